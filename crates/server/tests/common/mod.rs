//! Shared by the integration tests: the test world, the real `mtasts` binary as a server or a
//! one-shot check, and a tiny HTTP client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use mtasts_testkit::World;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mtasts")
}

/// The network options that point the binary at `world`.
pub fn world_args(world: &World, ca: &Path, timeout: u64) -> Vec<String> {
    vec![
        "--resolver".into(),
        world.dns.to_string(),
        "--ca-file".into(),
        ca.display().to_string(),
        "--policy-port".into(),
        world.https_port.to_string(),
        "--smtp-port".into(),
        world.smtp_port.to_string(),
        "--timeout".into(),
        timeout.to_string(),
    ]
}

/// A running `mtasts serve`, killed on drop.
pub struct Server {
    pub addr: SocketAddr,
    child: Child,
    pub stderr: tokio::task::JoinHandle<String>,
}

impl Server {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Waits for the process to exit and returns its status code.
    pub async fn wait(&mut self) -> Option<i32> {
        self.child.wait().await.ok().and_then(|s| s.code())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Starts `mtasts serve --listen 127.0.0.1:0 ARGS…` and waits for its "listening on" line.
pub async fn serve(args: &[String]) -> Server {
    let mut child = Command::new(bin())
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start mtasts serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = String::new();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push_str(&line);
            seen.push('\n');
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest
                    .split('/')
                    .next()
                    .and_then(|a| a.parse::<SocketAddr>().ok());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_else(|| panic!("mtasts serve did not start:\n{seen}"));
    let stderr = tokio::spawn(async move {
        let mut rest = seen;
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    Server {
        addr,
        child,
        stderr,
    }
}

/// An HTTP/1.1 response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// GET `path` from `addr` with extra request headers (hand-written: the tests need nothing more).
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Resp {
    let s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to mtasts serve");
    exchange(s, addr, "GET", path, headers, &[]).await
}

/// `method` `path` from `addr`, with no body.
pub async fn request(addr: SocketAddr, method: &str, path: &str) -> Resp {
    let s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to mtasts serve");
    exchange(s, addr, method, path, &[], &[]).await
}

/// `method` `path` with a body and request headers.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to mtasts serve");
    exchange(s, addr, method, path, headers, body).await
}

/// [`send`], or `None` when the server is gone (refused, reset, or no answer).
pub async fn try_send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Resp> {
    let s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (method, path, body) = (method.to_string(), path.to_string(), body.to_vec());
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // `exchange` panics on a broken exchange; in a task of its own that is a `None` here.
    tokio::spawn(async move {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        exchange(s, addr, &method, &path, &h, &body).await
    })
    .await
    .ok()
}

/// GET `path` from `addr` as the client at loopback address `source` (127.0.0.0/8 is all
/// loopback, so tests can be several clients).
pub async fn get_from(source: &str, addr: SocketAddr, path: &str) -> Resp {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(source.parse().expect("source address"), 0))
        .expect("bind the source address");
    let s = socket.connect(addr).await.expect("connect to mtasts serve");
    exchange(s, addr, "GET", path, &[], &[]).await
}

async fn exchange(
    mut s: tokio::net::TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    // A server may answer (413) and close before the whole body is sent.
    let _ = s.write_all(body).await;
    let mut raw = Vec::new();
    // A reset after the answer (the server closed with part of a refused body unread) still
    // leaves the answer read.
    if let Err(e) = s.read_to_end(&mut raw).await {
        assert!(!raw.is_empty(), "no answer: {e}");
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
}

/// Every key of `expected` equals the same path in `actual` (objects recursively; arrays
/// element by element and of the same length). Returns the mismatching paths.
pub fn subset(expected: &Value, actual: &Value, path: &str) -> Vec<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .flat_map(|(k, v)| subset(v, a.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}")))
            .collect(),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .flat_map(|(i, (e, a))| subset(e, a, &format!("{path}[{i}]")))
            .collect(),
        (e, a) if e == a => vec![],
        (e, a) => vec![format!("{path}: expected {e}, got {a}")],
    }
}

/// Polls `cond` every 20 ms until it holds; panics after `limit` with `what`.
pub async fn wait_until(what: &str, limit: Duration, cond: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
