//! SMTP hosts with STARTTLS, or misbehaving in the ways real MX hosts do: no STARTTLS, a bad
//! certificate, closing after the banner, never sending one, refusing connections; and
//! hostile ones (a line that never ends, a reply that stops halfway). They accept no mail: `MAIL` is
//! answered 503 and counted, so tests can prove a probe never got that far.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::ca::CertKind;

/// How an SMTP host behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpKind {
    Good,
    NoStarttls,
    Expired,
    WrongName,
    SelfSigned,
    ExpiringSoon,
    CloseAfterBanner,
    NoBanner,
    /// Nothing listens: connections are refused.
    Refuse,
    /// Hostile: "220 " and then bytes without a line end, as fast as they are taken.
    EndlessLine,
    /// Hostile: the first line of a multi-line greeting and half of the second, then silence.
    StallMidReply,
    /// Hostile: a greeting and an EHLO reply of 100 lines of 4000 bytes each (within what a
    /// reader accepts), then STARTTLS as usual.
    HugeReplies,
}

impl SmtpKind {
    pub fn cert(self) -> CertKind {
        match self {
            SmtpKind::Expired => CertKind::Expired,
            SmtpKind::WrongName => CertKind::WrongName,
            SmtpKind::SelfSigned => CertKind::SelfSigned,
            SmtpKind::ExpiringSoon => CertKind::ExpiringSoon,
            _ => CertKind::Good,
        }
    }
}

/// What the host saw, for assertions.
#[derive(Default)]
pub struct SmtpCounters {
    pub connections: AtomicUsize,
    pub starttls: AtomicUsize,
    pub mail_from: AtomicUsize,
}

pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    host: String,
    kind: SmtpKind,
    counters: Arc<SmtpCounters>,
) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let Ok((mut tcp, _)) = listener.accept().await else {
            continue;
        };
        counters.connections.fetch_add(1, Ordering::SeqCst);
        let (acceptor, host, counters) = (acceptor.clone(), host.clone(), counters.clone());
        tokio::spawn(async move {
            match kind {
                SmtpKind::NoBanner => {
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    return;
                }
                SmtpKind::EndlessLine => {
                    let chunk = [b'x'; 16 * 1024];
                    if tcp.write_all(b"220 ").await.is_err() {
                        return;
                    }
                    // Until the peer goes away (bounded by the test's lifetime).
                    while tcp.write_all(&chunk).await.is_ok() {}
                    return;
                }
                SmtpKind::StallMidReply => {
                    let _ = tcp
                        .write_all(format!("220-{host} ESMTP\r\n220 half a li").as_bytes())
                        .await;
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    return;
                }
                SmtpKind::CloseAfterBanner => {
                    let _ = tcp
                        .write_all(format!("220 {host} ESMTP mtasts-testkit\r\n").as_bytes())
                        .await;
                    return;
                }
                _ => {}
            }
            let greeting = if kind == SmtpKind::HugeReplies {
                let filler = "x".repeat(4000);
                let mut g = String::new();
                for _ in 0..99 {
                    g.push_str(&format!("220-{filler}\r\n"));
                }
                g.push_str(&format!("220 {host} ESMTP mtasts-testkit\r\n"));
                g
            } else {
                format!("220 {host} ESMTP mtasts-testkit\r\n")
            };
            if tcp.write_all(greeting.as_bytes()).await.is_err() {
                return;
            }
            let offer = kind != SmtpKind::NoStarttls;
            let mut plain = BufReader::new(tcp);
            let huge = kind == SmtpKind::HugeReplies;
            if dialogue(&mut plain, &host, offer, huge, &counters).await == Some(Next::StartTls) {
                let Ok(Ok(tls)) = tokio::time::timeout(
                    Duration::from_secs(10),
                    acceptor.accept(plain.into_inner()),
                )
                .await
                else {
                    return;
                };
                let mut secure = BufReader::new(tls);
                let _ = dialogue(&mut secure, &host, false, false, &counters).await;
            }
        });
    }
}

#[derive(PartialEq, Eq)]
enum Next {
    StartTls,
}

/// Reads commands until QUIT, STARTTLS or end of input.
async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    host: &str,
    offer_starttls: bool,
    huge: bool,
    counters: &SmtpCounters,
) -> Option<Next> {
    loop {
        let mut line = String::new();
        match tokio::time::timeout(Duration::from_secs(30), s.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 && line.len() <= 1024 => {}
            _ => return None,
        }
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => {
                let tls = if offer_starttls {
                    "250-STARTTLS\r\n"
                } else {
                    ""
                };
                let filler = if huge {
                    format!("250-{}\r\n", "y".repeat(4000)).repeat(96)
                } else {
                    String::new()
                };
                format!("250-{host}\r\n{filler}250-PIPELINING\r\n{tls}250 8BITMIME\r\n")
            }
            "HELO" => format!("250 {host}\r\n"),
            "STARTTLS" if offer_starttls => {
                counters.starttls.fetch_add(1, Ordering::SeqCst);
                s.get_mut()
                    .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                    .await
                    .ok()?;
                return Some(Next::StartTls);
            }
            "QUIT" => {
                let _ = s.get_mut().write_all(b"221 2.0.0 Bye\r\n").await;
                return None;
            }
            "MAIL" | "RCPT" | "DATA" => {
                counters.mail_from.fetch_add(1, Ordering::SeqCst);
                "503 5.5.1 this test host accepts no mail\r\n".into()
            }
            "NOOP" | "RSET" => "250 2.0.0 OK\r\n".into(),
            _ => "502 5.5.2 command not recognized\r\n".into(),
        };
        s.get_mut().write_all(reply.as_bytes()).await.ok()?;
    }
}
