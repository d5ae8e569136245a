//! Whether the destinations of a TLS-RPT record can receive reports (RFC 8460 §3): an
//! `https:` endpoint must be reachable over TLS with a certificate valid for its name (the
//! fetcher asks it with HEAD, never sends a report), and a `mailto:` address's domain must
//! accept mail. A destination that cannot means reports sent there are lost (or bounce).

use crate::catalog::Code;
use crate::finding::Finding;
use crate::inputs::{DnsResult, FetchOutcome, RuaCheck, RuaOutcome, TlsError};

/// The finding for one checked destination; `None` when it can receive reports.
pub fn finding(c: &RuaCheck) -> Option<Finding> {
    let uri = &c.uri;
    let (code, why) = match &c.outcome {
        RuaOutcome::NotChecked(why) => (Code::TlsrptRuaNotChecked, format!("{uri} was not checked ({why})")),
        RuaOutcome::Https(f) => match &f.outcome {
            FetchOutcome::Response => return None,
            FetchOutcome::Dns(DnsResult::NxDomain | DnsResult::NoRecords) => (
                Code::TlsrptRuaUnreachable,
                format!("{uri}: its host does not resolve, so reports posted there are lost"),
            ),
            FetchOutcome::Tls(e) => (
                Code::TlsrptRuaUnreachable,
                format!(
                    "{uri}: {}; reporters check certificates, so reports posted there are lost",
                    tls_words(e)
                ),
            ),
            FetchOutcome::Refused(why) => (
                Code::TlsrptRuaUnreachable,
                format!("{uri}: {why}; reporters on the internet cannot reach it"),
            ),
            FetchOutcome::Protocol(why) => (
                Code::TlsrptRuaUnreachable,
                format!("{uri}: the host did not answer with HTTP ({why})"),
            ),
            FetchOutcome::Dns(r) => (
                Code::TlsrptRuaUnconfirmed,
                format!("{uri}: its host could not be resolved ({})", dns_words(r)),
            ),
            FetchOutcome::ConnectFailed(why) => (
                Code::TlsrptRuaUnconfirmed,
                format!("{uri}: no connection to port 443 ({why})"),
            ),
            FetchOutcome::Timeout => (
                Code::TlsrptRuaUnconfirmed,
                format!("{uri}: no answer before the time limit"),
            ),
        },
        RuaOutcome::Mailto {
            domain,
            mx,
            addresses,
        } => match (&mx.result, addresses.as_ref().map(|a| &a.result)) {
            (DnsResult::Records(r), _) if !r.is_empty() && r.iter().all(|m| m.is_null()) => (
                Code::TlsrptRuaNoMail,
                format!("{uri}: {domain} publishes a null MX (it accepts no mail), so reports sent there bounce"),
            ),
            (DnsResult::Records(r), _) if !r.is_empty() => return None,
            (DnsResult::NxDomain, _) => (
                Code::TlsrptRuaNoMail,
                format!("{uri}: {domain} does not exist (NXDOMAIN), so reports sent there bounce"),
            ),
            (_, Some(DnsResult::Records(a))) if !a.is_empty() => return None,
            (DnsResult::Records(_) | DnsResult::NoRecords, Some(DnsResult::NoRecords | DnsResult::NxDomain)) => (
                Code::TlsrptRuaNoMail,
                format!("{uri}: {domain} has no MX records and no address, so reports sent there bounce"),
            ),
            (r, _) => (
                Code::TlsrptRuaUnconfirmed,
                format!("{uri}: the mail setup of {domain} could not be checked ({})", dns_words(r)),
            ),
        },
    };
    Some(Finding::new(code, why).about(uri.clone()))
}

fn tls_words(e: &TlsError) -> String {
    match e {
        TlsError::Expired => "its certificate has expired".into(),
        TlsError::NotYetValid => "its certificate is not valid yet".into(),
        TlsError::NameMismatch => "its certificate is for another name".into(),
        TlsError::Untrusted(w) => format!("its certificate is not trusted ({w})"),
        TlsError::ProtocolVersion => "it offers only TLS versions older than 1.2".into(),
        TlsError::Handshake(w) => format!("the TLS handshake failed ({w})"),
    }
}

fn dns_words<T>(r: &DnsResult<T>) -> String {
    match r {
        DnsResult::ServFail => "SERVFAIL".into(),
        DnsResult::Timeout => "timeout".into(),
        DnsResult::Unreachable(w) | DnsResult::Error(w) => w.clone(),
        DnsResult::NxDomain => "NXDOMAIN".into(),
        DnsResult::NoRecords => "no records".into(),
        DnsResult::Records(_) => "answered".into(),
    }
}
