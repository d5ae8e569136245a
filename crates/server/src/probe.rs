//! The MX STARTTLS probe (RFC 8461 §4.2, §7.2): for each MX host of a domain, connect to a
//! vetted address on port 25, read the banner, EHLO, STARTTLS if offered, complete the TLS
//! handshake with SNI set to the MX name, then QUIT. It never sends MAIL, RCPT or DATA, and it
//! only ever connects to hosts that are the domain's own MX (or the domain itself when it has
//! no MX records, RFC 5321 §5.1).

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use mtasts_core::inputs::{DnsAnswer, DnsResult, MxProbe, ProbeOutcome};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::addr::AddressPolicy;
use crate::config::{FetchConfig, MAX_MX_PROBES};
use crate::facts::{elapsed_ms as ms, unix_now, CertCheck, MxTlsFacts, ProbeFacts, Timings};
use crate::fetch::erase;
use crate::smtp_reply;
use crate::tls;

/// Addresses of one MX host probed at most; the rest are reported as not probed.
pub const MAX_ADDRESSES_PER_HOST: usize = 4;

/// Resolves the MX set of `domain` and probes every address of every host (at most
/// [`MAX_MX_PROBES`] hosts, [`MAX_ADDRESSES_PER_HOST`] addresses each) at once.
pub async fn probe_domain(cfg: &FetchConfig, domain: &str) -> MxTlsFacts {
    // Every step has a deadline of its own (lookups too: a resolver that answers slowly on
    // every server could otherwise take many times the time limit).
    let mx = tokio::time::timeout(cfg.total_timeout, cfg.resolver.mx(domain))
        .await
        .unwrap_or_else(|_| DnsAnswer::new(DnsResult::Timeout));
    let mut hosts: Vec<String> = match &mx.result {
        DnsResult::Records(r) if r.iter().any(|m| m.is_null()) => Vec::new(),
        DnsResult::Records(r) => {
            let mut sorted = r.clone();
            sorted.sort_by_key(|m| m.preference);
            sorted
                .into_iter()
                .map(|m| m.exchange.trim_end_matches('.').to_ascii_lowercase())
                .collect()
        }
        DnsResult::NoRecords => vec![domain.to_string()],
        _ => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    hosts.retain(|h| seen.insert(h.clone()));
    hosts.truncate(MAX_MX_PROBES);
    let per_host = futures_util::future::join_all(hosts.iter().map(|h| probe_host(cfg, h))).await;
    MxTlsFacts {
        domain: domain.to_string(),
        mx,
        probes: per_host.into_iter().flatten().collect(),
    }
}

fn facts_for(host: &str, addresses: &[IpAddr], address: Option<IpAddr>) -> ProbeFacts {
    ProbeFacts {
        probe: MxProbe {
            host: host.to_string(),
            address,
            outcome: ProbeOutcome::Timeout,
            banner: None,
            starttls: None,
            tls_version: None,
            tls_cipher: None,
            tls_client: None,
            tls_error: None,
            certificate: None,
            chain: Vec::new(),
            chains_to: Vec::new(),
        },
        addresses: addresses.to_vec(),
        connected_to: None,
        ehlo: Vec::new(),
        certificate_check: None,
        timings: Timings::default(),
    }
}

/// Probes every address of one MX host (a sender may connect to any of them): one set of
/// facts per address, or one without an address when the name does not resolve.
pub async fn probe_host(cfg: &FetchConfig, host: &str) -> Vec<ProbeFacts> {
    let start = Instant::now();
    let answer = tokio::time::timeout(cfg.total_timeout, cfg.resolver.addresses(host))
        .await
        .unwrap_or_else(|_| DnsAnswer::new(DnsResult::Timeout));
    let addresses: Vec<IpAddr> = match answer.result {
        DnsResult::Records(a) => a,
        other => {
            let mut facts = facts_for(host, &[], None);
            facts.probe.outcome = ProbeOutcome::Dns(erase(other));
            facts.timings.dns_ms = Some(ms(start));
            facts.timings.total_ms = ms(start);
            return vec![facts];
        }
    };
    let dns_ms = ms(start);
    let (probed, skipped) = addresses.split_at(addresses.len().min(MAX_ADDRESSES_PER_HOST));
    let mut out = futures_util::future::join_all(
        probed
            .iter()
            .map(|ip| probe_address(cfg, host, &addresses, *ip, dns_ms)),
    )
    .await;
    out.extend(skipped.iter().map(|ip| {
        let mut facts = facts_for(host, &addresses, Some(*ip));
        facts.probe.outcome = ProbeOutcome::NotProbed(format!(
            "the checker probes at most {MAX_ADDRESSES_PER_HOST} addresses of a host"
        ));
        facts
    }));
    out
}

/// Probes one address of an MX host.
async fn probe_address(
    cfg: &FetchConfig,
    host: &str,
    addresses: &[IpAddr],
    ip: IpAddr,
    dns_ms: u64,
) -> ProbeFacts {
    let start = Instant::now();
    let mut facts = facts_for(host, addresses, Some(ip));
    facts.timings.dns_ms = Some(dns_ms);
    if tokio::time::timeout(cfg.total_timeout, run(cfg, host, ip, &mut facts, start))
        .await
        .is_err()
    {
        // Connected but never greeted is its own case: the host is there, but says nothing.
        facts.probe.outcome = if facts.connected_to.is_some() && facts.probe.banner.is_none() {
            ProbeOutcome::NoGreeting
        } else {
            ProbeOutcome::Timeout
        };
    }
    facts.certificate_check = CertCheck::of(facts.probe.certificate.as_ref(), host, unix_now());
    facts.timings.total_ms = ms(start);
    facts
}

async fn run(cfg: &FetchConfig, host: &str, ip: IpAddr, facts: &mut ProbeFacts, start: Instant) {
    if let Err(class) = cfg.addresses.check(ip) {
        facts.probe.outcome = ProbeOutcome::Refused(AddressPolicy::refusal(ip, class));
        return;
    }
    let addr = SocketAddr::new(ip, cfg.smtp_port);
    let t = Instant::now();
    let tcp = match tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            facts.probe.outcome = ProbeOutcome::ConnectFailed(format!("{addr}: {e}"));
            return;
        }
        Err(_) => {
            facts.probe.outcome = ProbeOutcome::Timeout;
            return;
        }
    };
    facts.connected_to = Some(addr);
    facts.timings.connect_ms = Some(ms(t));
    let mut plain = BufReader::new(tcp);

    // The banner is sent before anything else, so it is only sent once we have this far.
    let banner = match reply(&mut plain).await {
        Ok((code, lines)) => {
            facts.probe.banner = Some(kept(&lines).join(" "));
            code
        }
        Err(e) => {
            facts.probe.outcome = e.outcome("before the greeting", "no banner");
            return;
        }
    };
    if banner != 220 {
        facts.probe.outcome =
            ProbeOutcome::Protocol(format!("the server greeted with {banner} instead of 220"));
        return;
    }
    if let Err(e) = send(&mut plain, &format!("EHLO {}", cfg.ehlo_name)).await {
        facts.probe.outcome = e.outcome("after the greeting", "EHLO");
        return;
    }
    let ehlo = match reply(&mut plain).await {
        Ok((250, lines)) => lines,
        Ok((code, _)) => {
            facts.probe.outcome = ProbeOutcome::Protocol(format!("EHLO was answered {code}"));
            return;
        }
        Err(e) => {
            facts.probe.outcome = e.outcome("after EHLO", "no EHLO reply");
            return;
        }
    };
    let offered = ehlo
        .iter()
        .skip(1)
        .any(|l| l.trim().eq_ignore_ascii_case("STARTTLS"));
    facts.ehlo = kept(&ehlo);
    facts.probe.starttls = Some(offered);
    if !offered {
        let _ = send(&mut plain, "QUIT").await;
        facts.probe.outcome = ProbeOutcome::Completed;
        return;
    }
    if let Err(e) = send(&mut plain, "STARTTLS").await {
        facts.probe.outcome = e.outcome("after EHLO", "STARTTLS");
        return;
    }
    match reply(&mut plain).await {
        Ok((220, _)) => {}
        Ok((code, lines)) => {
            facts.probe.outcome =
                ProbeOutcome::Protocol(format!("STARTTLS was answered {code} {}", lines.join(" ")));
            return;
        }
        Err(e) => {
            facts.probe.outcome = e.outcome("after the STARTTLS command", "no STARTTLS reply");
            return;
        }
    }
    let t = Instant::now();
    let deadline = tokio::time::Instant::from_std(start + cfg.total_timeout);
    let hs = tls::negotiate(&cfg.trust, plain.into_inner(), host, deadline, || {
        reopen(cfg, addr)
    })
    .await;
    facts.timings.tls_ms = Some(ms(t));
    facts.probe.tls_version = hs.version;
    facts.probe.tls_cipher = hs.cipher;
    facts.probe.tls_client = Some(hs.client);
    facts.probe.certificate = hs.certificate;
    let chain = kept_chain(hs.chain);
    facts.probe.chains_to = tls::chains_to(&cfg.trust, &chain);
    facts.probe.chain = chain;
    facts.probe.tls_error = hs.error;
    if hs.timed_out {
        // The second TLS client ran out of time: the host can be neither passed nor failed.
        facts.probe.outcome = ProbeOutcome::Timeout;
        return;
    }
    if let Some(mut stream) = hs.stream {
        // Never past STARTTLS: say goodbye over the secure channel and close.
        let _ = stream.write_all(b"QUIT\r\n").await;
        let _ = stream.shutdown().await;
    }
    facts.probe.outcome = ProbeOutcome::Completed;
}

/// Reply lines kept in the facts: the reader accepts up to 100 lines of 4096 bytes (so a
/// long EHLO is judged whole), but an answer that is cached and sent to browsers keeps at
/// most 32 lines of 512 bytes each, with a mark where something was left out.
fn kept(lines: &[String]) -> Vec<String> {
    const LINES: usize = 32;
    const BYTES: usize = 512;
    let mut out: Vec<String> = lines
        .iter()
        .take(LINES)
        .map(|l| match l.char_indices().nth(BYTES) {
            Some((cut, _)) => format!("{}…", &l[..cut]),
            None => l.clone(),
        })
        .collect();
    if lines.len() > LINES {
        out.push(format!("… {} more lines", lines.len() - LINES));
    }
    out
}

/// The presented chain kept for DANE: at most 8 certificates, none over 32 KiB (a real chain
/// has three or four of 1 to 2 KiB each; anything else is dropped, which DANE then judges as
/// a chain that does not match).
fn kept_chain(chain: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    chain
        .into_iter()
        .take(8)
        .take_while(|c| c.len() <= 32 * 1024)
        .collect()
}

/// A second session up to the point where TLS starts (for the second TLS client): connect,
/// greeting, EHLO, STARTTLS answered 220. The first session already recorded the facts.
async fn reopen(cfg: &FetchConfig, addr: SocketAddr) -> Result<TcpStream, String> {
    let mut s = BufReader::new(crate::fetch::reconnect(cfg, addr).await?);
    let step = |what: &str, e: SmtpError| match e {
        SmtpError::Closed(d) | SmtpError::NotSmtp(d) => format!("reconnecting, {what}: {d}"),
    };
    match reply(&mut s).await {
        Ok((220, _)) => {}
        Ok((code, _)) => return Err(format!("reconnecting, the greeting was {code}")),
        Err(e) => return Err(step("greeting", e)),
    }
    send(&mut s, &format!("EHLO {}", cfg.ehlo_name))
        .await
        .map_err(|e| step("EHLO", e))?;
    reply(&mut s).await.map_err(|e| step("EHLO", e))?;
    send(&mut s, "STARTTLS")
        .await
        .map_err(|e| step("STARTTLS", e))?;
    match reply(&mut s).await {
        Ok((220, _)) => Ok(s.into_inner()),
        Ok((code, _)) => Err(format!("reconnecting, STARTTLS was answered {code}")),
        Err(e) => Err(step("STARTTLS", e)),
    }
}

/// Why an SMTP exchange stopped: the peer went away (closed or reset: the host cannot be
/// confirmed), or it said something that is not SMTP (a protocol failure).
enum SmtpError {
    Closed(String),
    NotSmtp(String),
}

impl SmtpError {
    /// The probe outcome, saying `when` the connection ended or `what` was not understood.
    fn outcome(self, when: &str, what: &str) -> ProbeOutcome {
        match self {
            SmtpError::Closed(detail) => ProbeOutcome::Closed(format!("{when} ({detail})")),
            SmtpError::NotSmtp(why) => ProbeOutcome::Protocol(format!("{what}: {why}")),
        }
    }
}

async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    line: &str,
) -> Result<(), SmtpError> {
    s.get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| SmtpError::Closed(e.to_string()))
}

/// Reads one (possibly multi-line) SMTP reply: its code and the text of each line. Bounded
/// while reading ([`smtp_reply`]): a peer that streams without a line end is cut off at the
/// line limit, however long it keeps sending.
async fn reply<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
) -> Result<(u16, Vec<String>), SmtpError> {
    let mut reader = smtp_reply::Reader::new();
    loop {
        let buf = s
            .fill_buf()
            .await
            .map_err(|e| SmtpError::Closed(e.to_string()))?;
        if buf.is_empty() {
            return Err(SmtpError::Closed("end of stream".into()));
        }
        let (used, done) = reader
            .feed(buf)
            .map_err(|e| SmtpError::NotSmtp(e.to_string()))?;
        s.consume(used);
        if let Some(r) = done {
            return Ok((r.code, r.lines));
        }
    }
}
