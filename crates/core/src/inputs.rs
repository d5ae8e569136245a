//! Everything a live check gathers, as plain facts. The browser (DoH + proxy) and the native
//! binary (hickory + direct connections) are two ways of filling this in; [`crate::check`]
//! turns it into a [`crate::Report`]. Any part may still be pending, so a report can be drawn
//! while answers arrive.

use serde::{Deserialize, Serialize};

use crate::mx::MxRecord;
use crate::txt::TxtRecord;

/// A fact that may not be known yet.
// Deserialize: by hand, in `crate::tagged` (bundle size).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Lookup<T> {
    /// Asked, no answer yet.
    #[default]
    Pending,
    /// This check cannot find it out (e.g. a plain CORS proxy cannot see certificates); the
    /// text says why.
    NotTested(String),
    Done(T),
}

impl<T> Lookup<T> {
    pub fn done(&self) -> Option<&T> {
        match self {
            Lookup::Done(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(self, Lookup::Pending)
    }
}

/// The outcome of one DNS query.
// Deserialize: by hand, in `crate::tagged` (bundle size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DnsResult<T> {
    Records(T),
    /// The name exists but has no records of this type (NODATA).
    NoRecords,
    /// The name does not exist (RCODE 3).
    NxDomain,
    /// The resolver could not get an answer (RCODE 2), e.g. broken delegation or DNSSEC failure.
    ServFail,
    /// No answer in time.
    Timeout,
    /// The resolver itself could not be reached (our side, not the domain's).
    Unreachable(String),
    /// Anything else (REFUSED, malformed answer …).
    Error(String),
}

impl<T> DnsResult<T> {
    /// The same outcome with the records mapped (failures unchanged).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> DnsResult<U> {
        match self {
            DnsResult::Records(r) => DnsResult::Records(f(r)),
            DnsResult::NoRecords => DnsResult::NoRecords,
            DnsResult::NxDomain => DnsResult::NxDomain,
            DnsResult::ServFail => DnsResult::ServFail,
            DnsResult::Timeout => DnsResult::Timeout,
            DnsResult::Unreachable(w) => DnsResult::Unreachable(w),
            DnsResult::Error(w) => DnsResult::Error(w),
        }
    }
}

/// A DNS answer with the facts around it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: serde::de::DeserializeOwned"))]
pub struct DnsAnswer<T> {
    pub result: DnsResult<T>,
    /// The resolver's AD bit (RFC 4035 §3.2.3), when known.
    #[serde(default)]
    pub authenticated: Option<bool>,
    /// CNAMEs followed on the way (RFC 8461 §8.2 allows delegating `_mta-sts` by CNAME).
    #[serde(default)]
    pub cname_chain: Vec<String>,
}

impl<T> DnsAnswer<T> {
    pub fn new(result: DnsResult<T>) -> Self {
        DnsAnswer {
            result,
            authenticated: None,
            cname_chain: Vec::new(),
        }
    }
}

/// Why a TLS handshake or certificate validation failed, as the fetcher classified it.
// Deserialize: by hand, in `crate::tagged` (bundle size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum TlsError {
    Expired,
    NotYetValid,
    NameMismatch,
    /// Self-signed, unknown issuer, incomplete chain.
    Untrusted(String),
    /// Only protocol versions older than TLS 1.2 offered.
    ProtocolVersion,
    Handshake(String),
}

/// Facts about a presented certificate (the leaf), available even when validation failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFacts {
    #[serde(default)]
    pub subject: Option<String>,
    /// DNS-ID subjectAltNames.
    #[serde(default)]
    pub dns_names: Vec<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    /// Validity, in seconds since the Unix epoch.
    #[serde(default)]
    pub not_before: Option<i64>,
    #[serde(default)]
    pub not_after: Option<i64>,
}

/// How the fetch of `https://mta-sts.<domain>/.well-known/mta-sts.txt` ended.
// Deserialize: by hand, in `crate::tagged` (bundle size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum FetchOutcome {
    /// An HTTP response arrived (whatever its status).
    Response,
    /// The policy host did not resolve.
    Dns(DnsResult<()>),
    /// The proxy refused to connect (e.g. the host resolves to a private address).
    Refused(String),
    ConnectFailed(String),
    Timeout,
    Tls(TlsError),
    /// The server answered with something that is not HTTP.
    Protocol(String),
}

/// The policy fetch as the proxy (or the native fetcher) saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFetch {
    pub outcome: FetchOutcome,
    #[serde(default)]
    pub tls_version: Option<String>,
    /// The negotiated cipher suite, as the TLS client names it.
    #[serde(default)]
    pub tls_cipher: Option<String>,
    /// Which TLS client connected (`rustls`, or `OpenSSL 3.0.x` when rustls found no
    /// protocol or cipher suite in common with the server).
    #[serde(default)]
    pub tls_client: Option<String>,
    #[serde(default)]
    pub certificate: Option<CertFacts>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// `Content-Encoding`, when the server sent one (the request asks for none); the body
    /// is kept as sent.
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// `Location` of a redirect (never followed, RFC 8461 §3.3).
    #[serde(default)]
    pub location: Option<String>,
    /// The body bytes as received (in JSON: base64).
    #[serde(default, with = "base64_body")]
    pub body: Option<Vec<u8>>,
    /// The body was cut at the size limit.
    #[serde(default)]
    pub truncated: bool,
    /// Set when the fetcher could not observe certificates and redirects (a pass-through CORS
    /// proxy); says why.
    #[serde(default)]
    pub limited: Option<String>,
    /// How long the whole fetch took (name lookup, connection, TLS, request, body), in
    /// milliseconds, when the fetcher measured it.
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
}

impl PolicyFetch {
    /// A fetch that ended before any HTTP response.
    pub fn failed(outcome: FetchOutcome) -> Self {
        PolicyFetch {
            outcome,
            tls_version: None,
            tls_cipher: None,
            tls_client: None,
            certificate: None,
            status: None,
            content_type: None,
            content_encoding: None,
            location: None,
            body: None,
            truncated: false,
            limited: None,
            elapsed_ms: None,
        }
    }

    /// A 200 response with this content type and body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        PolicyFetch {
            status: Some(200),
            content_type: Some(content_type.to_string()),
            body: Some(body.into()),
            tls_version: Some("TLSv1.3".into()),
            ..PolicyFetch::failed(FetchOutcome::Response)
        }
    }
}

/// How the SMTP probe of one MX host ended.
// Deserialize: by hand, in `crate::tagged` (bundle size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// Reached the point the probe goes to (after STARTTLS, or after EHLO without it).
    Completed,
    Dns(DnsResult<()>),
    Refused(String),
    ConnectFailed(String),
    /// No TCP connection before the time limit, or (with a banner) the server stopped
    /// answering mid-session.
    Timeout,
    /// The TCP connection was accepted but no greeting arrived before the time limit.
    NoGreeting,
    /// The server closed the connection before the probe finished (the text says when).
    Closed(String),
    /// The server answered with something that is not the SMTP the probe expected.
    Protocol(String),
    /// This address was not probed (beyond the proxy's per-host limit); the text says why.
    NotProbed(String),
}

/// One MX host's STARTTLS probe (RFC 8461 §4.2, §7.2), at one of its addresses: a sender may
/// connect to any of them, so every address is probed and the host is as good as its worst.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxProbe {
    pub host: String,
    /// The address probed (`None` when the probe did not get as far as one).
    #[serde(default)]
    pub address: Option<std::net::IpAddr>,
    pub outcome: ProbeOutcome,
    #[serde(default)]
    pub banner: Option<String>,
    /// Whether EHLO advertised STARTTLS (unknown if the probe did not get that far).
    #[serde(default)]
    pub starttls: Option<bool>,
    #[serde(default)]
    pub tls_version: Option<String>,
    /// The negotiated cipher suite, as the TLS client names it.
    #[serde(default)]
    pub tls_cipher: Option<String>,
    /// Which TLS client connected (see [`PolicyFetch::tls_client`]).
    #[serde(default)]
    pub tls_client: Option<String>,
    #[serde(default)]
    pub tls_error: Option<TlsError>,
    #[serde(default)]
    pub certificate: Option<CertFacts>,
    /// The certificates the host presented, leaf first (DER; base64 in JSON), for DANE.
    #[serde(default, with = "base64_list")]
    pub chain: Vec<Vec<u8>>,
    /// Positions in `chain` above the leaf that the leaf chains up to by signature, as the
    /// fetcher's X.509 code established (what a DANE-TA record needs, RFC 7672 §3.1.2).
    #[serde(default)]
    pub chains_to: Vec<usize>,
}

impl MxProbe {
    /// A probe that completed STARTTLS with this certificate.
    pub fn good(host: &str, certificate: CertFacts) -> Self {
        MxProbe {
            host: host.to_string(),
            outcome: ProbeOutcome::Completed,
            banner: Some(format!("220 {host} ESMTP")),
            starttls: Some(true),
            tls_version: Some("TLSv1.3".into()),
            tls_cipher: None,
            tls_client: None,
            tls_error: None,
            certificate: Some(certificate),
            address: None,
            chain: Vec::new(),
            chains_to: Vec::new(),
        }
    }
}

/// Everything a check gathers about one policy domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The policy domain, A-label form.
    pub domain: String,
    /// The current time (seconds since the Unix epoch), for certificate expiry.
    #[serde(default)]
    pub now: Option<i64>,
    #[serde(default)]
    pub sts_txt: Lookup<DnsAnswer<Vec<TxtRecord>>>,
    #[serde(default)]
    pub tlsrpt_txt: Lookup<DnsAnswer<Vec<TxtRecord>>>,
    #[serde(default)]
    pub mx: Lookup<DnsAnswer<Vec<MxRecord>>>,
    #[serde(default)]
    pub policy: Lookup<PolicyFetch>,
    #[serde(default)]
    pub mx_tls: Lookup<Vec<MxProbe>>,
    /// The TLSA answers at `_25._tcp.<mx>` for every MX host (DANE, RFC 7672). Absent in
    /// inputs from before DANE was checked: not tested.
    #[serde(default = "tlsa_not_asked")]
    pub tlsa: Lookup<Vec<crate::dane::HostTlsa>>,
    /// Every `rua` destination of the TLS-RPT record, as the fetcher checked it.
    #[serde(default = "rua_not_checked")]
    pub rua: Lookup<Vec<RuaCheck>>,
    /// The TXT records at `_smtp-tlsrpt.<domain>`, the name of early TLS-RPT drafts, where
    /// records are still found that senders never look at.
    #[serde(default = "not_looked_up")]
    pub tlsrpt_draft_txt: Lookup<DnsAnswer<Vec<TxtRecord>>>,
}

/// One `rua` destination of a TLS-RPT record (RFC 8460 §3), as the fetcher checked it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuaCheck {
    pub uri: String,
    pub outcome: RuaOutcome,
}

// Deserialize: by hand, in `crate::tagged` (bundle size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum RuaOutcome {
    /// `https:`: the endpoint was asked whether it is there (HEAD; never sent a report).
    Https(Box<PolicyFetch>),
    /// `mailto:`: the address's domain and what DNS says about its mail (its MX set, and its
    /// addresses when it has none: the implicit MX, RFC 5321 §5.1).
    Mailto {
        domain: String,
        mx: DnsAnswer<Vec<MxRecord>>,
        #[serde(default)]
        addresses: Option<DnsAnswer<Vec<std::net::IpAddr>>>,
    },
    /// Not checked; the text says why (another port, too many destinations …).
    NotChecked(String),
}

fn rua_not_checked() -> Lookup<Vec<RuaCheck>> {
    Lookup::NotTested("the report destinations were not checked".into())
}

fn not_looked_up<T>() -> Lookup<T> {
    Lookup::NotTested("not looked up".into())
}

fn tlsa_not_asked() -> Lookup<Vec<crate::dane::HostTlsa>> {
    Lookup::NotTested("the TLSA records were not looked up".into())
}

impl Inputs {
    /// Everything pending: the state right after the user presses "Check".
    pub fn new(domain: &str) -> Self {
        Inputs {
            domain: domain.to_string(),
            tlsa: Lookup::Pending,
            rua: Lookup::Pending,
            tlsrpt_draft_txt: Lookup::Pending,
            ..Inputs::default()
        }
    }
}

/// A list of byte strings as base64 strings.
mod base64_list {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(list: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(|b| STANDARD.encode(b)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|t| {
                STANDARD
                    .decode(t.as_bytes())
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}

/// `Option<Vec<u8>>` as an optional base64 string (standard alphabet, padded).
mod base64_body {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(body: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match body {
            Some(b) => s.serialize_str(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| {
                STANDARD
                    .decode(t.as_bytes())
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}
