//! DNS over HTTPS against the configured resolver: RFC 8484 wire format (GET) by default, or
//! the JSON API as an option ([`Resolver::json`]).

use base64::Engine;
use mtasts_core::dane::TlsaRecord;
use mtasts_core::inputs::{DnsAnswer, DnsResult};
use mtasts_core::mx::MxRecord;
use mtasts_core::TxtRecord;

use super::dns_json;
use super::dns_wire::{self, Rdata};
use super::http::{self, FetchError};

const TIMEOUT_MS: u32 = 8000;

/// A DoH endpoint and the format it speaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolver {
    pub url: String,
    /// The JSON API (`?name=&type=`, `application/dns-json`) instead of RFC 8484.
    pub json: bool,
}

async fn ask(
    resolver: &Resolver,
    name: &str,
    qtype: u16,
) -> Result<dns_wire::Response, DnsResult<()>> {
    let url = &resolver.url;
    let sep = if url.contains('?') { '&' } else { '?' };
    let (full, accept) = if resolver.json {
        (
            format!(
                "{url}{sep}name={}&type={}",
                js_sys::encode_uri_component(name),
                dns_json::type_name(qtype)
            ),
            "application/dns-json",
        )
    } else {
        let q =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(dns_wire::query(name, qtype));
        (format!("{url}{sep}dns={q}"), "application/dns-message")
    };
    match http::get(&full, accept, TIMEOUT_MS).await {
        Ok((200, body)) => {
            let parsed = if resolver.json {
                dns_json::parse(&body)
            } else {
                dns_wire::parse(&body)
            };
            parsed.ok_or_else(|| DnsResult::Error("the resolver sent a malformed answer".into()))
        }
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

pub async fn txt(resolver: &Resolver, name: &str) -> DnsAnswer<Vec<TxtRecord>> {
    match ask(resolver, name, dns_wire::TYPE_TXT).await {
        Ok(r) => dns_wire::answer(&r, |d| match d {
            Rdata::Txt(s) => Some(s.clone()),
            _ => None,
        }),
        Err(e) => failed(e),
    }
}

pub async fn mx(resolver: &Resolver, name: &str) -> DnsAnswer<Vec<MxRecord>> {
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

/// The TLSA records of `_25._tcp.<host>` (RFC 7672 §2.2: DANE for SMTP), with the AD bit.
pub async fn tlsa(resolver: &Resolver, host: &str) -> DnsAnswer<Vec<TlsaRecord>> {
    let name = format!("_25._tcp.{}", host.trim_end_matches('.'));
    match ask(resolver, &name, dns_wire::TYPE_TLSA).await {
        Ok(r) => dns_wire::answer(&r, |d| match d {
            Rdata::Tlsa(t) => Some(t.clone()),
            _ => None,
        }),
        Err(e) => failed(e),
    }
}
