//! The policy fetch (RFC 8461 §3.3): `https://mta-sts.<domain>/.well-known/mta-sts.txt`,
//! nothing else. Resolve once, refuse non-public addresses, connect only to a vetted address,
//! TLS with SNI, one GET, no redirects followed, at most 64 KiB of body, connect and total
//! timeouts. Every remote failure is a fact in the answer, never an error of the proxy.

use std::net::SocketAddr;
use std::time::Instant;

use http_body_util::BodyExt;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use mtasts_core::inputs::{DnsResult, FetchOutcome, PolicyFetch};
use tokio::net::TcpStream;

use crate::addr::AddressPolicy;
use crate::config::{FetchConfig, MAX_BODY};
use crate::facts::{elapsed_ms as ms, unix_now, CertCheck, PolicyFacts, Timings};
use crate::tls;

/// The fixed path (RFC 8461 §3.3).
pub const PATH: &str = "/.well-known/mta-sts.txt";

/// The most bytes hyper buffers while reading the response (its head, and each read of the
/// body): a hostile policy host cannot make the proxy hold more.
const HEAD_BUFFER: usize = 64 * 1024;

/// Fetches the policy of `domain` (A-label form).
pub async fn fetch_policy(cfg: &FetchConfig, domain: &str) -> PolicyFacts {
    let host = format!("mta-sts.{domain}");
    fetch_https(cfg, domain, &host, Method::Get, PATH).await
}

/// The one request of a fetch: the policy is fetched with GET; a TLS-RPT endpoint is only
/// asked whether it is there (HEAD), never sent a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

/// One HTTPS request to `host` (resolved once, vetted, connected by address, TLS with SNI,
/// no redirect followed, bounded in time and size), on behalf of `domain`.
pub async fn fetch_https(
    cfg: &FetchConfig,
    domain: &str,
    host: &str,
    method: Method,
    path: &str,
) -> PolicyFacts {
    let start = Instant::now();
    let host = host.to_string();
    let mut facts = PolicyFacts {
        domain: domain.to_string(),
        url: format!("https://{host}{path}"),
        addresses: Vec::new(),
        connected_to: None,
        fetch: PolicyFetch::failed(FetchOutcome::Timeout),
        body_text: None,
        certificate_check: None,
        timings: Timings::default(),
    };
    let work = run(cfg, &host, method, path, &mut facts, start);
    if tokio::time::timeout(cfg.total_timeout, work).await.is_err() {
        // Senders give up too: keep what was learnt about TLS, drop the partial response.
        let f = &mut facts.fetch;
        f.outcome = FetchOutcome::Timeout;
        (f.status, f.content_type, f.location, f.body, f.truncated) =
            (None, None, None, None, false);
        f.content_encoding = None;
    }
    facts.body_text = facts
        .fetch
        .body
        .as_ref()
        .map(|b| String::from_utf8_lossy(b).into_owned());
    facts.certificate_check = CertCheck::of(facts.fetch.certificate.as_ref(), &host, unix_now());
    facts.timings.total_ms = ms(start);
    // What senders wait through too (the core judges it against the strictest of them).
    facts.fetch.elapsed_ms = Some(facts.timings.total_ms);
    facts
}

async fn run(
    cfg: &FetchConfig,
    host: &str,
    method: Method,
    path: &str,
    facts: &mut PolicyFacts,
    start: Instant,
) {
    let answer = cfg.resolver.addresses(host).await;
    facts.timings.dns_ms = Some(ms(start));
    let addresses = match answer.result {
        DnsResult::Records(a) => a,
        other => {
            facts.fetch = PolicyFetch::failed(FetchOutcome::Dns(erase(other)));
            return;
        }
    };
    facts.addresses = addresses.clone();
    let (allowed, refused): (Vec<&std::net::IpAddr>, Vec<&std::net::IpAddr>) = addresses
        .iter()
        .partition(|ip| cfg.addresses.check(**ip).is_ok());
    if allowed.is_empty() {
        let ip = refused[0];
        let class = cfg.addresses.check(*ip).err().unwrap_or("non-public");
        facts.fetch =
            PolicyFetch::failed(FetchOutcome::Refused(AddressPolicy::refusal(*ip, class)));
        return;
    }
    // Connect to a vetted address, never by name: no second lookup can change the target.
    let t = Instant::now();
    let mut tcp = None;
    let mut last_error = String::new();
    for ip in allowed {
        let addr = SocketAddr::new(*ip, cfg.https_port);
        match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                facts.connected_to = Some(addr);
                tcp = Some(s);
                break;
            }
            Ok(Err(e)) => last_error = format!("{addr}: {e}"),
            Err(_) => last_error = format!("{addr}: no answer within {:?}", cfg.connect_timeout),
        }
    }
    facts.timings.connect_ms = Some(ms(t));
    let Some(tcp) = tcp else {
        facts.fetch = PolicyFetch::failed(FetchOutcome::ConnectFailed(last_error));
        return;
    };
    let t = Instant::now();
    let again = facts.connected_to;
    let deadline = tokio::time::Instant::from_std(start + cfg.total_timeout);
    let hs = tls::negotiate(&cfg.trust, tcp, host, deadline, || async move {
        reconnect(cfg, again.ok_or("no address to reconnect to")?).await
    })
    .await;
    facts.timings.tls_ms = Some(ms(t));
    let mut fetch = PolicyFetch::failed(FetchOutcome::Response);
    fetch.tls_version = hs.version.clone();
    fetch.tls_cipher = hs.cipher.clone();
    fetch.tls_client = Some(hs.client.clone());
    fetch.certificate = hs.certificate.clone();
    if hs.timed_out {
        // The second TLS client ran out of time: nothing is proven about the host.
        fetch.outcome = FetchOutcome::Timeout;
        facts.fetch = fetch;
        return;
    }
    if let Some(e) = hs.error {
        fetch.outcome = FetchOutcome::Tls(e);
        facts.fetch = fetch;
        return;
    }
    let Some(stream) = hs.stream else {
        fetch.outcome = FetchOutcome::Tls(mtasts_core::inputs::TlsError::Handshake(
            "no connection".into(),
        ));
        facts.fetch = fetch;
        return;
    };
    facts.fetch = fetch;
    match http_request(stream, host, method, path).await {
        Ok(a) => {
            let f = &mut facts.fetch;
            (f.status, f.content_type, f.location) = (Some(a.status), a.content_type, a.location);
            f.content_encoding = a.content_encoding;
            (f.body, f.truncated) = (Some(a.body), a.truncated);
        }
        Err(why) => facts.fetch.outcome = FetchOutcome::Protocol(why),
    }
}

/// A fresh TCP connection to an address already vetted and connected to once (for the second
/// TLS client, see `tls::negotiate`).
pub(crate) async fn reconnect(cfg: &FetchConfig, addr: SocketAddr) -> Result<TcpStream, String> {
    tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| format!("{addr}: no answer on reconnecting"))?
        .map_err(|e| format!("{addr}: {e}"))
}

/// What the one GET returned. The body is kept as sent: a `Content-Encoding` the request did
/// not ask for is recorded and judged by the core, not silently undone here.
struct Answer {
    status: u16,
    content_type: Option<String>,
    content_encoding: Option<String>,
    location: Option<String>,
    body: Vec<u8>,
    truncated: bool,
}

async fn http_request<S>(
    stream: S,
    host: &str,
    method: Method,
    path: &str,
) -> Result<Answer, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // Bounded while reading: the response head may take at most HEAD_BUFFER bytes (hyper
    // refuses a longer one) and at most 100 header fields; the body is cut at MAX_BODY below.
    let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
        .max_buf_size(HEAD_BUFFER)
        .max_headers(100)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = hyper::Request::builder()
        .method(match method {
            Method::Get => hyper::Method::GET,
            Method::Head => hyper::Method::HEAD,
        })
        .uri(path)
        .header(hyper::header::HOST, host)
        .header(
            hyper::header::USER_AGENT,
            concat!("mtasts/", env!("CARGO_PKG_VERSION"), " (MTA-STS checker)"),
        )
        .header(hyper::header::ACCEPT, "text/plain")
        .header(hyper::header::CONNECTION, "close")
        .body(http_body_util::Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("no valid HTTP response: {e}"))?;
    let header = |name: hyper::header::HeaderName| {
        resp.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let status = resp.status().as_u16();
    let content_type = header(hyper::header::CONTENT_TYPE);
    let content_encoding = header(hyper::header::CONTENT_ENCODING);
    let location = header(hyper::header::LOCATION);
    let mut body = resp.into_body();
    let mut bytes = Vec::new();
    let mut truncated = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("the body broke off: {e}"))?;
        if let Some(data) = frame.data_ref() {
            let room = MAX_BODY - bytes.len();
            if data.len() > room {
                bytes.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            bytes.extend_from_slice(data);
        }
    }
    driver.abort();
    Ok(Answer {
        status,
        content_type,
        content_encoding,
        location,
        body: bytes,
        truncated,
    })
}

/// A DNS outcome without its records (for "the host did not resolve").
pub fn erase<T>(r: DnsResult<T>) -> DnsResult<()> {
    r.map(|_| ())
}
