//! The TLS-RPT destinations of a domain, checked (RFC 8460 §3): the proxy looks up the
//! domain's own `_smtp._tls` record (so it only ever contacts what the domain publishes), then
//! asks each `https:` endpoint whether it is there (HEAD over TLS, port 443 only, with the
//! policy fetch's rules: public addresses only, connected by address, no redirect followed,
//! bounded in time and size; never a report) and looks up the mail setup of each `mailto:`
//! address's domain. The core judges the outcome ([`mtasts_core::rua`]).

use mtasts_core::inputs::{DnsAnswer, DnsResult, RuaCheck, RuaOutcome};
use mtasts_core::TxtRecord;
use serde::{Deserialize, Serialize};

use crate::config::FetchConfig;
use crate::fetch::{self, Method};

/// Destinations checked at most; the rest are reported as not checked.
pub const MAX_RUA: usize = 5;

/// `GET /api/v1/tlsrpt?domain=D`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuaFacts {
    pub domain: String,
    /// The `_smtp._tls` answer the destinations were taken from.
    pub record: DnsAnswer<Vec<TxtRecord>>,
    pub checks: Vec<RuaCheck>,
}

pub async fn check_domain(cfg: &FetchConfig, domain: &str) -> RuaFacts {
    let name = format!("_smtp._tls.{domain}");
    let record = tokio::time::timeout(cfg.total_timeout, cfg.resolver.txt(&name))
        .await
        .unwrap_or_else(|_| DnsAnswer::new(DnsResult::Timeout));
    let uris = match &record.result {
        DnsResult::Records(r) => mtasts_core::tlsrpt::lint(r)
            .record
            .map(|r| r.rua)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let (checked, skipped) = uris.split_at(uris.len().min(MAX_RUA));
    let mut checks =
        futures_util::future::join_all(checked.iter().map(|u| check_uri(cfg, domain, u))).await;
    checks.extend(skipped.iter().map(|u| RuaCheck {
        uri: u.clone(),
        outcome: RuaOutcome::NotChecked(format!("at most {MAX_RUA} destinations are checked")),
    }));
    RuaFacts {
        domain: domain.to_string(),
        record,
        checks,
    }
}

async fn check_uri(cfg: &FetchConfig, domain: &str, uri: &str) -> RuaCheck {
    let outcome = match scheme(uri) {
        Some("https") => https(cfg, domain, uri).await,
        Some("mailto") => mailto(cfg, uri).await,
        _ => RuaOutcome::NotChecked("not an https: or mailto: URI".into()),
    };
    RuaCheck {
        uri: uri.to_string(),
        outcome,
    }
}

fn scheme(uri: &str) -> Option<&'static str> {
    let lower = uri.get(..7).unwrap_or(uri).to_ascii_lowercase();
    if lower.starts_with("https:") {
        Some("https")
    } else if lower.starts_with("mailto:") {
        Some("mailto")
    } else {
        None
    }
}

async fn https(cfg: &FetchConfig, domain: &str, uri: &str) -> RuaOutcome {
    let Ok(parsed) = uri.parse::<hyper::Uri>() else {
        return RuaOutcome::NotChecked("the URI cannot be read".into());
    };
    let Some(host) = parsed
        .host()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
    else {
        return RuaOutcome::NotChecked("the URI names no host".into());
    };
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return RuaOutcome::NotChecked("the URI names an address, not a host name".into());
    }
    if let Some(port) = parsed
        .port_u16()
        .filter(|p| *p != crate::config::HTTPS_PORT)
    {
        return RuaOutcome::NotChecked(format!(
            "port {port}: the checker connects to port 443 only"
        ));
    }
    let path = parsed
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/".into());
    let facts = fetch::fetch_https(cfg, domain, &host, Method::Head, &path).await;
    RuaOutcome::Https(Box::new(facts.fetch))
}

async fn mailto(cfg: &FetchConfig, uri: &str) -> RuaOutcome {
    let address = percent_decode(uri[7..].split('?').next().unwrap_or(""));
    let Some(domain) = address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
    else {
        return RuaOutcome::NotChecked("the address has no domain".into());
    };
    let mx = tokio::time::timeout(cfg.total_timeout, cfg.resolver.mx(&domain))
        .await
        .unwrap_or_else(|_| DnsAnswer::new(DnsResult::Timeout));
    // No MX records: mail goes to the domain's own address (RFC 5321 §5.1).
    let addresses = if mx.result == DnsResult::NoRecords {
        Some(
            tokio::time::timeout(cfg.total_timeout, cfg.resolver.addresses(&domain))
                .await
                .unwrap_or_else(|_| DnsAnswer::new(DnsResult::Timeout)),
        )
    } else {
        None
    };
    RuaOutcome::Mailto {
        domain,
        mx,
        addresses,
    }
}

/// `%40` → `@` (RFC 3986 §2.1), as a `mailto:` URI may write its address (RFC 6068 §2).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_addresses() {
        assert_eq!(scheme("HTTPS://r.example/x"), Some("https"));
        assert_eq!(scheme("mailto:a@b"), Some("mailto"));
        assert_eq!(scheme("ftp://x"), None);
        assert_eq!(percent_decode("tlsrpt%40example.com"), "tlsrpt@example.com");
        assert_eq!(percent_decode("a%4"), "a%4");
    }
}
