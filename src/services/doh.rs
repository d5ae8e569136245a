//! DNS over HTTPS (RFC 8484, wire format, GET) against the configured resolver.

use base64::Engine;
use mtasts_core::inputs::{DnsAnswer, DnsResult};
use mtasts_core::mx::MxRecord;
use mtasts_core::TxtRecord;

use super::dns_wire::{self, Rdata};
use super::http::{self, FetchError};

const TIMEOUT_MS: u32 = 8000;

async fn ask(resolver: &str, name: &str, qtype: u16) -> Result<dns_wire::Response, DnsResult<()>> {
    let q = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(dns_wire::query(name, qtype));
    let sep = if resolver.contains('?') { '&' } else { '?' };
    match http::get(
        &format!("{resolver}{sep}dns={q}"),
        "application/dns-message",
        TIMEOUT_MS,
    )
    .await
    {
        Ok((200, body)) => dns_wire::parse(&body)
            .ok_or_else(|| DnsResult::Error("the resolver sent a malformed answer".into())),
        Ok((status, _)) => Err(DnsResult::Error(format!(
            "the resolver answered HTTP {status}"
        ))),
        Err(FetchError::Timeout) => Err(DnsResult::Timeout),
        Err(FetchError::Unreachable(why)) => {
            Err(DnsResult::Unreachable(format!("DoH resolver: {why}")))
        }
    }
}

fn failed<T>(r: DnsResult<()>) -> DnsAnswer<Vec<T>> {
    DnsAnswer::new(r.map(|_| Vec::new()))
}

pub async fn txt(resolver: &str, name: &str) -> DnsAnswer<Vec<TxtRecord>> {
    match ask(resolver, name, dns_wire::TYPE_TXT).await {
        Ok(r) => dns_wire::answer(&r, |d| match d {
            Rdata::Txt(s) => Some(s.clone()),
            _ => None,
        }),
        Err(e) => failed(e),
    }
}

pub async fn mx(resolver: &str, name: &str) -> DnsAnswer<Vec<MxRecord>> {
    match ask(resolver, name, dns_wire::TYPE_MX).await {
        Ok(r) => dns_wire::answer(&r, |d| match d {
            Rdata::Mx(p, h) => Some(MxRecord::new(
                *p,
                if h.is_empty() {
                    ".".to_string()
                } else {
                    h.clone()
                },
            )),
            _ => None,
        }),
        Err(e) => failed(e),
    }
}
