//! What the proxy answers: the facts of one fetch or probe, shaped so the browser can hand
//! `fetch` / `probes` straight to the core as [`mtasts_core::Inputs`] parts.

use std::net::{IpAddr, SocketAddr};

use mtasts_core::inputs::{DnsAnswer, MxProbe, PolicyFetch};
use mtasts_core::mx::MxRecord;
use serde::{Deserialize, Serialize};

/// Milliseconds spent in each step; `None` for steps not reached.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timings {
    pub dns_ms: Option<u64>,
    pub connect_ms: Option<u64>,
    pub tls_ms: Option<u64>,
    pub total_ms: u64,
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
    pub timings: Timings,
}

/// `GET /api/v1/mx-tls?domain=D`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MxTlsFacts {
    pub domain: String,
    pub mx: DnsAnswer<Vec<MxRecord>>,
    pub probes: Vec<ProbeFacts>,
}
