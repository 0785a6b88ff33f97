//! A git server for tests: git's own `git http-backend` (smart HTTP, the protocol GitLab and
//! every other forge speak) behind a small in-process HTTP/1.1 server on 127.0.0.1, over TLS
//! with the test CA of tests/fixtures/tls (or plain HTTP), optionally asking for Basic
//! credentials; an HTTP CONNECT proxy; and an sshd on a free port, where the machine has one.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// The test CA's certificate (PEM), which clients must be told to trust.
pub fn test_ca() -> PathBuf {
    super::fixture("tls/ca.pem")
}

/// A request the git server saw.
#[derive(Debug, Clone)]
pub struct GitRequest {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub authorization: Option<String>,
}

/// The server; it serves the bare repositories under `root` as `<base>/<name>.git`.
pub struct GitServer {
    pub base: String,
    pub root: PathBuf,
    seen: Arc<Mutex<Vec<GitRequest>>>,
}

/// How the server answers.
#[derive(Debug, Clone, Default)]
pub struct GitServerOptions {
    pub tls: bool,
    /// `user:password` it requires (401 otherwise).
    pub basic: Option<String>,
}

impl GitServer {
    pub fn start(root: &Path, options: GitServerOptions) -> GitServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let port = listener.local_addr().expect("an address").port();
        let base = if options.tls {
            format!("https://localhost:{port}")
        } else {
            format!("http://127.0.0.1:{port}")
        };
        let tls = options.tls.then(|| Arc::new(server_config()));
        let seen: Arc<Mutex<Vec<GitRequest>>> = Arc::default();
        let (root_dir, log) = (root.to_path_buf(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, log, tls, basic) = (
                    root_dir.clone(),
                    log.clone(),
                    tls.clone(),
                    options.basic.clone(),
                );
                std::thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        let stream = rustls::StreamOwned::new(connection, stream);
                        serve(stream, &root, &log, basic.as_deref());
                    }
                    None => serve(stream, &root, &log, basic.as_deref()),
                });
            }
        });
        GitServer {
            base,
            root: root.to_path_buf(),
            seen,
        }
    }

    pub fn seen(&self) -> Vec<GitRequest> {
        self.seen.lock().unwrap().clone()
    }

    /// The URL of the repository `name` (`<base>/<name>.git`).
    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}.git", self.base)
    }
}

fn server_config() -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(super::fixture("tls/server.pem"))
            .expect("the test certificate")
            .map(|c| c.expect("a certificate"))
            .collect();
    let key = PrivateKeyDer::from_pem_file(super::fixture("tls/server.key")).expect("the key");
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("a server configuration")
}

fn serve<S: Read + Write>(
    stream: S,
    root: &Path,
    seen: &Mutex<Vec<GitRequest>>,
    basic: Option<&str>,
) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let authorization = header("authorization");
    seen.lock().unwrap().push(GitRequest {
        method: method.clone(),
        target: target.clone(),
        authorization: authorization.clone(),
    });
    let mut stream = reader.into_inner();
    if let Some(expected) = basic {
        use base64::Engine as _;
        let wanted = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(expected)
        );
        if authorization.as_deref() != Some(wanted.as_str()) {
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.flush();
            return;
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut child = match Command::new("git")
        .arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", length.to_string())
        .env("REMOTE_USER", "tester")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("GIT_PROTOCOL", header("git-protocol").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => return,
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&body);
    }
    let mut output = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_end(&mut output);
    }
    let _ = child.wait();
    // CGI: headers, a blank line, the body.
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((at, skip)) = split else {
        let _ = stream
            .write_all(b"HTTP/1.1 500 Bad CGI\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let head = String::from_utf8_lossy(&output[..at]).into_owned();
    let content = &output[at + skip..];
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for line in head.lines() {
        match line.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            Some((k, v)) => response.push_str(&format!("{k}: {}\r\n", v.trim())),
            None => {}
        }
    }
    let _ = stream.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
            content.len()
        )
        .as_bytes(),
    );
    let _ = stream.write_all(content);
    let _ = stream.flush();
}

/// An HTTP proxy that only tunnels (CONNECT), and remembers where to.
pub struct ConnectProxy {
    pub url: String,
    tunnels: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let tunnels: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = tunnels.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || tunnel(client, &log));
            }
        });
        ConnectProxy { url, tunnels }
    }

    /// The `host:port` of every tunnel opened.
    pub fn tunnels(&self) -> Vec<String> {
        self.tunnels.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().expect("a second handle"));
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    if parts.next() != Some("CONNECT") {
        let mut c = client;
        let _ = c.write_all(b"HTTP/1.1 405 Only CONNECT\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let target = parts.next().unwrap_or_default().to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
    }
    log.lock().unwrap().push(target.clone());
    let Ok(upstream) = TcpStream::connect(&target) else {
        let mut c = client;
        let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let mut c = client;
    let _ = c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut up_read, mut up_write) = (upstream.try_clone().expect("a handle"), upstream);
    let mut down_write = c.try_clone().expect("a handle");
    let forward = std::thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut up_write);
        let _ = up_write.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_read, &mut down_write);
    let _ = down_write.shutdown(std::net::Shutdown::Write);
    let _ = forward.join();
}

/// A bare repository `<root>/<name>.git` with one commit per `(path, content)` list given,
/// made with the git command line (so that the server side is git's own).
pub fn bare_repository(root: &Path, name: &str, commits: &[&[(&str, &str)]]) -> PathBuf {
    let work = root.join(format!("{name}.work"));
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    for (i, files) in commits.iter().enumerate() {
        for (path, content) in *files {
            let file = work.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, content).unwrap();
        }
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "-m", &format!("commit {}", i + 1)]);
    }
    let bare = root.join(format!("{name}.git"));
    git(
        root,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    git(&bare, &["config", "http.receivepack", "true"]);
    git(&bare, &["config", "receive.advertisePushOptions", "true"]);
    bare
}

/// Adds a commit to the work copy next to the bare repository and pushes it there.
pub fn add_commit(root: &Path, name: &str, files: &[(&str, &str)], message: &str) {
    let work = root.join(format!("{name}.work"));
    for (path, content) in files {
        let file = work.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", message]);
    let bare = root.join(format!("{name}.git"));
    git(&work, &["push", "-q", bare.to_str().unwrap(), "main"]);
}

/// Runs git in `dir` with a fixed identity and no user configuration; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An sshd on 127.0.0.1 that lets the test's key in, and the ssh command that reaches it.
pub struct SshServer {
    pub port: u16,
    /// `ssh -i <key> -o UserKnownHostsFile=<file> ...`, for GIT_SSH_COMMAND.
    pub command: String,
    pub user: String,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl SshServer {
    /// Starts sshd, or says why it cannot (no sshd on the machine).
    pub fn start() -> Result<SshServer, String> {
        let sshd = ["/usr/sbin/sshd", "/usr/bin/sshd"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .ok_or("no sshd on this machine (Debian: apt-get install openssh-server)")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path();
        let keygen = |file: &Path| {
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(file)
                .status()
                .map_err(|e| format!("ssh-keygen: {e}"))
                .and_then(|s| s.success().then_some(()).ok_or("ssh-keygen failed".into()))
        };
        keygen(&d.join("host"))?;
        keygen(&d.join("client"))?;
        std::fs::copy(d.join("client.pub"), d.join("authorized_keys"))
            .map_err(|e| e.to_string())?;
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            probe.local_addr().map_err(|e| e.to_string())?.port()
        };
        let user = std::env::var("USER")
            .ok()
            .or_else(|| {
                Command::new("id")
                    .arg("-un")
                    .output()
                    .ok()
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            })
            .unwrap_or_else(|| "root".to_string());
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\nAuthorizedKeysFile {keys}\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\nUsePAM no\nLogLevel ERROR\n",
            host = d.join("host").display(),
            pid = d.join("sshd.pid").display(),
            keys = d.join("authorized_keys").display(),
        );
        std::fs::write(d.join("sshd_config"), config).map_err(|e| e.to_string())?;
        // sshd wants its privilege-separation folder.
        let _ = std::fs::create_dir_all("/run/sshd");
        let child = Command::new(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start sshd: {e}"))?;
        let public = std::fs::read_to_string(d.join("host.pub")).map_err(|e| e.to_string())?;
        std::fs::write(
            d.join("known_hosts"),
            format!("[127.0.0.1]:{port} {public}"),
        )
        .map_err(|e| e.to_string())?;
        let command = format!(
            "ssh -F /dev/null -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
            d.join("client").display(),
            d.join("known_hosts").display()
        );
        let mut server = SshServer {
            port,
            command,
            user,
            child,
            _dir: dir,
        };
        // Wait until it listens.
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("sshd ended at once ({status})"));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err("sshd did not start listening".to_string())
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
