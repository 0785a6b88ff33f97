//! An HTTP/1.1 server on 127.0.0.1 for tests: serves canned responses per path, with faults
//! (status codes, delays, truncated bodies, redirects) and a log of every request. Shared by the
//! tests and the benchmarks, which use different parts of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One canned response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Announce this many more bytes than are sent, then close: a cut-off body.
    pub truncate_by: usize,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
            truncate_by: 0,
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::ok(Vec::new())
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn truncated(mut self, by: usize) -> Reply {
        self.truncate_by = by;
        self
    }
}

/// A request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

type Script = HashMap<String, Vec<Reply>>;

/// The server; it stops when dropped (its thread ends with the test process).
pub struct TestServer {
    pub base: String,
    script: Arc<Mutex<Script>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestServer {
    /// Starts a server; paths without a scripted reply get 404.
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let script: Arc<Mutex<Script>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (s, l) = (script.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (s, l) = (s.clone(), l.clone());
                std::thread::spawn(move || serve(stream, &s, &l));
            }
        });
        TestServer { base, script, seen }
    }

    /// Answers `path` with `replies` in turn; the last one repeats.
    pub fn route(&self, path: &str, replies: Vec<Reply>) {
        self.script
            .lock()
            .unwrap()
            .insert(path.to_string(), replies);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }

    pub fn total(&self) -> usize {
        self.seen().len()
    }
}

fn serve(stream: TcpStream, script: &Mutex<Script>, seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let method = request_line
            .split_whitespace()
            .next()
            .unwrap_or("GET")
            .to_string();
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_string();
        let mut headers = HashMap::new();
        let mut content_length = 0usize;
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
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                if k == "content-length" {
                    content_length = v.parse().unwrap_or(0);
                }
                headers.insert(k, v);
            }
        }
        let mut body = vec![0; content_length];
        let _ = reader.read_exact(&mut body);
        seen.lock().unwrap().push(Seen {
            method,
            path: path.clone(),
            headers,
            body,
        });
        let reply = {
            let mut script = script.lock().unwrap();
            match script.get_mut(&path) {
                Some(replies) if replies.len() > 1 => replies.remove(0),
                Some(replies) if replies.len() == 1 => replies[0].clone(),
                _ => Reply::status(404),
            }
        };
        std::thread::sleep(reply.delay);
        let reason = match reply.status {
            200 => "OK",
            304 => "Not Modified",
            404 => "Not Found",
            429 => "Too Many Requests",
            _ => "Status",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
            reply.status,
            reply.body.len() + reply.truncate_by
        );
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&reply.body);
        let _ = stream.flush();
    }
}
