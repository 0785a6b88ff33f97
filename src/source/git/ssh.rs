//! git over ssh, by the user's own ssh program (as git runs it).

use super::{
    Context, GitOptions, Remote, SshAddress, neutral_dir, shell_quote, wait_with_deadline,
};
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(super) struct SshTransport {
    pub(super) context: Arc<Context>,
    /// The connection of an `…Ls` action, which the following action continues.
    pub(super) connection: Mutex<Option<Arc<SshConnection>>>,
}

pub(super) struct SshConnection {
    child: Mutex<Child>,
    stdin: Mutex<Option<ChildStdin>>,
    stdout: Mutex<ChildStdout>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The thread that collects stderr; finished once ssh (and whatever it started) closed it.
    stderr_reader: Mutex<Option<std::thread::JoinHandle<()>>>,
    destination: String,
}

impl SshConnection {
    /// Why the connection ended early: ssh's own words.
    fn failure(&self) -> Option<String> {
        let status = {
            let mut child = self.child.lock().ok()?;
            wait_with_deadline(&mut child, Duration::from_secs(5))
        };
        // The last words may still be on their way through the pipe.
        if let Ok(mut reader) = self.stderr_reader.lock()
            && let Some(handle) = reader.take()
        {
            let start = Instant::now();
            while !handle.is_finished() && start.elapsed() < Duration::from_secs(1) {
                std::thread::sleep(Duration::from_millis(5));
            }
            if handle.is_finished() {
                let _ = handle.join();
            }
        }
        let stderr = self
            .stderr
            .lock()
            .map(|s| String::from_utf8_lossy(&s).trim().to_string())
            .unwrap_or_default();
        match status {
            // ssh writes warnings ("Permanently added ... to the list of known hosts") also
            // when all went well.
            Some(status) if status.success() => None,
            Some(status) => Some(format!(
                "ssh {} failed ({status}){}",
                self.destination,
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {}", escape_text(&stderr))
                }
            )),
            None => Some(format!("ssh {} did not end", self.destination)),
        }
    }
}

impl Drop for SshConnection {
    fn drop(&mut self) {
        if let Ok(mut stdin) = self.stdin.lock() {
            stdin.take();
        }
        if let Ok(mut child) = self.child.lock() {
            let _ = wait_with_deadline(&mut child, Duration::from_secs(5));
        }
    }
}

struct SshStream {
    context: Arc<Context>,
    connection: Arc<SshConnection>,
    received: usize,
}

impl Read for SshStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match self.connection.stdout.lock() {
            Ok(mut stdout) => stdout.read(buf)?,
            Err(_) => 0,
        };
        if n == 0 {
            // The other side hung up: if ssh failed, say why (libgit2 would only say "early
            // EOF").
            if let Some(failure) = self.connection.failure() {
                return Err(self.context.fail(failure));
            }
        }
        self.received += n;
        Ok(n)
    }
}

impl Write for SshStream {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut stdin = self
            .connection
            .stdin
            .lock()
            .map_err(|_| std::io::Error::other("the ssh connection broke"))?;
        match stdin.as_mut() {
            Some(stdin) => stdin
                .write(data)
                .map_err(|e| match self.connection.failure() {
                    Some(failure) => self.context.fail(failure),
                    None => e,
                }),
            None => Err(std::io::Error::other("the ssh connection is closed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.connection.stdin.lock() {
            Ok(mut stdin) => match stdin.as_mut() {
                Some(stdin) => stdin.flush(),
                None => Ok(()),
            },
            Err(_) => Ok(()),
        }
    }
}

impl git2::transport::SmartSubtransport for SshTransport {
    fn action(
        &self,
        url: &str,
        action: git2::transport::Service,
    ) -> Result<Box<dyn git2::transport::SmartSubtransportStream>, git2::Error> {
        use git2::transport::Service;
        let (service, starts) = match action {
            Service::UploadPackLs => ("git-upload-pack", true),
            Service::UploadPack => ("git-upload-pack", false),
            Service::ReceivePackLs => ("git-receive-pack", true),
            Service::ReceivePack => ("git-receive-pack", false),
        };
        let mut slot = self
            .connection
            .lock()
            .map_err(|_| git2::Error::from_str("the ssh connection broke"))?;
        let connection = match (starts, slot.as_ref()) {
            (false, Some(connection)) => connection.clone(),
            _ => {
                if self.context.options.offline {
                    return Err(git2::Error::from_str("fundament is offline"));
                }
                let address = match Remote::parse(url) {
                    Ok(Remote::Ssh(address)) => address,
                    Ok(_) => return Err(git2::Error::from_str("not an ssh URL")),
                    Err(e) => return Err(git2::Error::from_str(&e.to_string())),
                };
                let connection = Arc::new(
                    spawn_ssh(&self.context.options, &address, service)
                        .map_err(|e| git2::Error::from_str(&self.context.fail(e).to_string()))?,
                );
                *slot = Some(connection.clone());
                connection
            }
        };
        Ok(Box::new(SshStream {
            context: self.context.clone(),
            connection,
            received: 0,
        }))
    }

    fn close(&self) -> Result<(), git2::Error> {
        if let Ok(mut slot) = self.connection.lock() {
            slot.take();
        }
        Ok(())
    }
}

/// The ssh command line: the program (and its own arguments) and what fundament appends.
fn ssh_command(options: &GitOptions) -> String {
    options
        .ssh_command
        .clone()
        .or_else(|| std::env::var("GIT_SSH_COMMAND").ok())
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| "ssh".to_string())
}

fn spawn_ssh(
    options: &GitOptions,
    address: &SshAddress,
    service: &str,
) -> Result<SshConnection, String> {
    let connect_timeout = options.http.connect_timeout.as_secs().max(1);
    let mut args: Vec<String> = vec![
        "-o".into(),
        "BatchMode=yes".into(),
        "-o".into(),
        format!("ConnectTimeout={connect_timeout}"),
        "-o".into(),
        "ServerAliveInterval=15".into(),
        "-o".into(),
        "ServerAliveCountMax=4".into(),
    ];
    if let Some(port) = address.port {
        args.push("-p".into());
        args.push(port.to_string());
    }
    args.push("--".into());
    args.push(address.destination());
    args.push(format!("{service} {}", shell_quote(&address.path)));
    let command_line = ssh_command(options);
    let mut command = if cfg!(unix) {
        // As git runs GIT_SSH_COMMAND: by the shell, with the arguments appended.
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(format!("{command_line} \"$@\""))
            .arg(&command_line);
        c
    } else {
        let mut parts = command_line.split_whitespace();
        let mut c = Command::new(parts.next().unwrap_or("ssh"));
        c.args(parts);
        c
    };
    command
        .args(&args)
        .current_dir(neutral_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `{command_line}`: {e}"))?;
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let mut stderr_reader = None;
    if let Some(mut pipe) = child.stderr.take() {
        let sink = stderr.clone();
        stderr_reader = Some(std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock()
                    && s.len() < 64 * 1024
                {
                    s.extend_from_slice(&chunk[..n]);
                }
            }
        }));
    }
    let stdin = child.stdin.take();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| "ssh has no output".to_string())?;
    Ok(SshConnection {
        child: Mutex::new(child),
        stdin: Mutex::new(stdin),
        stdout: Mutex::new(stdout),
        stderr,
        stderr_reader: Mutex::new(stderr_reader),
        destination: address.destination(),
    })
}

/// Control characters of a program's message shown escaped.
fn escape_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else if c == '\n' {
                "; ".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
