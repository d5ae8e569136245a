//! What the proxy answers: the facts of one fetch or probe, shaped so the browser can hand
//! `fetch` / `probes` straight to the core as [`mtasts_core::Inputs`] parts.

use std::net::{IpAddr, SocketAddr};

use mtasts_core::inputs::{CertFacts, DnsAnswer, MxProbe, PolicyFetch};
use mtasts_core::mx::MxRecord;
use serde::{Deserialize, Serialize};

/// Milliseconds since `since`, for [`Timings`].
pub fn elapsed_ms(since: std::time::Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Seconds since the Unix epoch (certificate expiry is judged against it).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds spent in each step; `None` for steps not reached.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timings {
    pub dns_ms: Option<u64>,
    pub connect_ms: Option<u64>,
    pub tls_ms: Option<u64>,
    pub total_ms: u64,
}

/// What the presented certificate says about the host, computed by the core's rules
/// (RFC 6125 DNS-ID matching; validity against the proxy's clock).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CertCheck {
    /// A DNS-ID of the certificate covers the host name.
    pub name_matches: bool,
    /// Seconds until `notAfter` (negative once expired).
    pub expires_in_seconds: Option<i64>,
    pub expired: bool,
}

impl CertCheck {
    pub fn of(cert: Option<&CertFacts>, host: &str, now: i64) -> Option<CertCheck> {
        let c = cert?;
        let left = c.not_after.map(|t| t - now);
        Some(CertCheck {
            name_matches: mtasts_core::tls::name_matches(&c.dns_names, host),
            expires_in_seconds: left,
            expired: left.is_some_and(|l| l < 0),
        })
    }
}

/// `GET /api/v1/policy?domain=D`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyFacts {
    pub domain: String,
    pub url: String,
    /// Every address `mta-sts.D` resolved to.
    pub addresses: Vec<IpAddr>,
    /// The vetted address the fetch connected to.
    pub connected_to: Option<SocketAddr>,
    pub fetch: PolicyFetch,
    /// The body as text for people (lossy); `fetch.body` has the exact bytes.
    pub body_text: Option<String>,
    /// Name match and expiry of the certificate `mta-sts.D` presented.
    pub certificate_check: Option<CertCheck>,
    pub timings: Timings,
}

/// One MX host's probe with the facts around it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProbeFacts {
    #[serde(flatten)]
    pub probe: MxProbe,
    pub addresses: Vec<IpAddr>,
    pub connected_to: Option<SocketAddr>,
    /// The EHLO reply lines (without codes).
    pub ehlo: Vec<String>,
    /// Name match and expiry of the certificate the MX presented.
    pub certificate_check: Option<CertCheck>,
    pub timings: Timings,
}

/// `GET /api/v1/mx-tls?domain=D`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MxTlsFacts {
    pub domain: String,
    pub mx: DnsAnswer<Vec<MxRecord>>,
    pub probes: Vec<ProbeFacts>,
}
