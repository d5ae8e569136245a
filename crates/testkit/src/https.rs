//! HTTPS policy hosts: each serves `/.well-known/mta-sts.txt` with the status, media type,
//! redirect, body, size and pace its scenario asks for, behind a certificate of the kind it
//! asks for.
//!
//! Hand-written HTTP/1.1 responder rather than hyper: a test double must misbehave on
//! purpose (drip a body slowly, lie about sizes), which a real server library makes hard.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::ca::CertKind;

/// How a policy host answers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyHost {
    #[serde(default)]
    pub cert: CertKind,
    #[serde(default = "ok")]
    pub status: u16,
    /// `None` sends no Content-Type header.
    #[serde(default = "text_plain")]
    pub content_type: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// The body. With `body_bytes`, filler of that many bytes follows it.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub body_bytes: usize,
    /// Send the body one byte every `drip_ms` milliseconds.
    #[serde(default)]
    pub drip_ms: Option<u64>,
    /// `"gzip"`: compress the body and say so in `Content-Encoding`, although the request
    /// asked for no compression.
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// Hostile: send only this many bytes of the response (head and body), then hold the
    /// connection open in silence.
    #[serde(default)]
    pub stall_after: Option<usize>,
    /// Hostile: a header field of this many bytes in the response head.
    #[serde(default)]
    pub head_filler: usize,
}

fn ok() -> u16 {
    200
}

fn text_plain() -> Option<String> {
    Some("text/plain".into())
}

impl PolicyHost {
    fn response(&self, path: &str) -> (Vec<u8>, Vec<u8>) {
        let (status, ct, location, body) = if path == "/.well-known/mta-sts.txt" {
            let mut body = self.body.clone().into_bytes();
            if self.body_bytes > body.len() {
                body.extend(std::iter::repeat_n(b'#', self.body_bytes - body.len()));
            }
            (
                self.status,
                self.content_type.clone(),
                self.location.clone(),
                body,
            )
        } else {
            (
                404,
                Some("text/plain".into()),
                None,
                b"not found\n".to_vec(),
            )
        };
        let body = match self.content_encoding.as_deref() {
            Some("gzip") if path == "/.well-known/mta-sts.txt" => {
                use std::io::Write;
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                let _ = gz.write_all(&body);
                gz.finish().unwrap_or(body)
            }
            _ => body,
        };
        let reason = match status {
            200 => "OK",
            301 => "Moved Permanently",
            302 => "Found",
            404 => "Not Found",
            500 => "Internal Server Error",
            _ => "Status",
        };
        let mut head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        if let Some(ct) = ct {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(loc) = location {
            head.push_str(&format!("Location: {loc}\r\n"));
        }
        if let (Some(enc), "/.well-known/mta-sts.txt") = (&self.content_encoding, path) {
            head.push_str(&format!("Content-Encoding: {enc}\r\n"));
        }
        if self.head_filler > 0 {
            head.push_str(&format!("X-Filler: {}\r\n", "x".repeat(self.head_filler)));
        }
        head.push_str("\r\n");
        (head.into_bytes(), body)
    }
}

/// Serves one policy host on `addr`; counts accepted connections in `connections`.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    host: PolicyHost,
    connections: Arc<AtomicUsize>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let host = Arc::new(host);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        connections.fetch_add(1, Ordering::SeqCst);
        let acceptor = acceptor.clone();
        let host = host.clone();
        tokio::spawn(async move {
            let Ok(Ok(mut stream)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await {
                    Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                    _ => return,
                }
            }
            let request = String::from_utf8_lossy(&buf);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (head, mut body) = host.response(&path);
            // A response to HEAD has no body (RFC 9110 §9.3.2).
            if request.starts_with("HEAD ") {
                body.clear();
            }
            if let Some(n) = host.stall_after {
                let all: Vec<u8> = head.into_iter().chain(body).take(n).collect();
                let _ = stream.write_all(&all).await;
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_secs(120)).await;
                return;
            }
            if stream.write_all(&head).await.is_err() {
                return;
            }
            match host.drip_ms {
                Some(ms) => {
                    for b in body {
                        if stream.write_all(&[b]).await.is_err() || stream.flush().await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                }
                None => {
                    let _ = stream.write_all(&body).await;
                }
            }
            let _ = stream.shutdown().await;
        });
    }
}

/// Binds `addr`, reporting the address actually bound.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
