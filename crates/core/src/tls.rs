//! Certificate checks shared by the policy host (RFC 8461 §3.3) and the MX hosts (§4.2).
//!
//! The fetcher validates the chain (the browser cannot; the proxy and native binary can) and
//! classifies failures as a [`TlsError`]. From the certificate facts the core also checks, on
//! its own, the two things it can: the name (RFC 6125 DNS-ID, wildcard only as the whole
//! left-most label) and the validity period, so a verdict never depends on which fetcher ran.

use crate::catalog::Code;
use crate::finding::Finding;
use crate::inputs::{CertFacts, TlsError};
use crate::mx::MxPattern;

/// A certificate that expires within this many seconds gets a warning (14 days).
pub const EXPIRY_WARNING: i64 = 14 * 86_400;

/// The codes one kind of host uses for certificate problems.
pub(crate) struct CertCodes {
    pub expired: Code,
    pub not_yet_valid: Code,
    pub name_mismatch: Code,
    pub untrusted: Code,
    pub old_version: Code,
    pub handshake: Code,
    pub cbc_only: Code,
    pub expiring: Code,
}

/// What the fetcher's TLS client agreed with the server.
#[derive(Clone, Copy, Default)]
pub(crate) struct Negotiated<'a> {
    pub version: Option<&'a str>,
    pub cipher: Option<&'a str>,
    pub client: Option<&'a str>,
}

impl<'a> Negotiated<'a> {
    pub fn of_fetch(f: &'a crate::inputs::PolicyFetch) -> Self {
        Negotiated {
            version: f.tls_version.as_deref(),
            cipher: f.tls_cipher.as_deref(),
            client: f.tls_client.as_deref(),
        }
    }

    pub fn of_probe(p: &'a crate::inputs::MxProbe) -> Self {
        Negotiated {
            version: p.tls_version.as_deref(),
            cipher: p.tls_cipher.as_deref(),
            client: p.tls_client.as_deref(),
        }
    }
}

/// The name the fetchers give their first TLS client (see the server's `tls.rs`): a
/// connection made by any other client means the server offers only what that one lacks.
pub const FIRST_CLIENT: &str = "rustls";

/// True for a cipher suite that is not AEAD (CBC mode with HMAC), in OpenSSL's names
/// (`ECDHE-RSA-AES128-SHA`, `AES256-SHA256`) or the IANA ones rustls uses
/// (`TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA`). Every TLS 1.3 suite is AEAD (RFC 8446 §5.2).
pub fn is_cbc(cipher: &str) -> bool {
    let c = cipher.to_ascii_uppercase();
    if c.starts_with("TLS13_") || c.starts_with("TLS_AES_") || c.starts_with("TLS_CHACHA20_") {
        return false;
    }
    if ["GCM", "CHACHA20", "CCM", "POLY1305"]
        .iter()
        .any(|a| c.contains(a))
    {
        return false;
    }
    c.contains("CBC") || c.ends_with("SHA") || c.ends_with("SHA256") || c.ends_with("SHA384")
}

/// The TLS 1.2 suites of Python's own default list (3.10 and later, `PY_SSL_DEFAULT_CIPHER_STRING`:
/// ECDHE or DHE with AES-GCM, ChaCha20 or SHA-2 CBC; no SHA-1 MACs, no RSA key exchange), in
/// OpenSSL's names, as such a Python lists them. Debian builds its `python3` with OpenSSL's list
/// instead. The interop suite runs an MTA-STS resolver on each kind of Python.
const PYTHON_OWN_DEFAULTS_TLS12: &[&str] = &[
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "DHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-AES128-GCM-SHA256",
    "DHE-RSA-AES256-SHA256",
    "DHE-RSA-AES128-SHA256",
];

/// True when a TLS 1.2 suite (OpenSSL's name) is outside Python's own default list.
pub fn python_defaults_refuse(cipher: &str) -> bool {
    !PYTHON_OWN_DEFAULTS_TLS12.contains(&cipher.to_ascii_uppercase().as_str())
}

/// True when a certificate DNS-ID covers `host` (RFC 6125 §6.4.3 as profiled by RFC 8461:
/// `*` only as the complete left-most label).
pub fn name_matches(dns_names: &[String], host: &str) -> bool {
    dns_names.iter().any(|san| {
        let san = san.trim();
        if let Some(base) = san.strip_prefix("*.") {
            MxPattern {
                wildcard: true,
                base: crate::hostname::canonical(base),
            }
            .matches(host)
        } else {
            crate::hostname::canonical(san) == crate::hostname::canonical(host)
        }
    })
}

/// True for protocol names older than TLS 1.2.
pub fn is_old_version(v: &str) -> bool {
    let v = v.to_ascii_lowercase().replace([' ', '_'], "");
    matches!(
        v.as_str(),
        "tlsv1" | "tlsv1.0" | "tls1.0" | "tlsv1.1" | "tls1.1" | "sslv3" | "sslv2"
    )
}

/// Every certificate finding for `host` (named `shown` in messages, e.g. with its address),
/// from the fetcher's classification and the facts.
pub(crate) fn evaluate(
    host: &str,
    shown: &str,
    tls_error: Option<&TlsError>,
    negotiated: Negotiated<'_>,
    cert: Option<&CertFacts>,
    now: Option<i64>,
    codes: &CertCodes,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut push = |f: Finding| {
        if !out.iter().any(|g| g.code == f.code) {
            out.push(f.about(host.to_string()));
        }
    };
    let when = |t: Option<i64>| {
        t.map(format_time)
            .unwrap_or_else(|| "an unknown date".into())
    };
    match tls_error {
        Some(TlsError::Expired) => push(Finding::new(
            codes.expired,
            format!(
                "{shown}: the certificate expired on {}",
                when(cert.and_then(|c| c.not_after))
            ),
        )),
        Some(TlsError::NotYetValid) => push(Finding::new(
            codes.not_yet_valid,
            format!(
                "{shown}: the certificate is not valid until {}",
                when(cert.and_then(|c| c.not_before))
            ),
        )),
        Some(TlsError::NameMismatch) => push(Finding::new(
            codes.name_mismatch,
            format!(
                "{shown}: the certificate is for {}, not for {shown}",
                names(cert)
            ),
        )),
        Some(TlsError::Untrusted(why)) => push(Finding::new(
            codes.untrusted,
            format!("{shown}: the certificate is not trusted ({why})"),
        )),
        Some(TlsError::ProtocolVersion) => push(Finding::new(
            codes.old_version,
            format!("{shown}: the server offers only TLS versions older than 1.2"),
        )),
        Some(TlsError::Handshake(why)) => push(Finding::new(
            codes.handshake,
            format!("{shown}: the TLS handshake failed ({why})"),
        )),
        None => {}
    }
    if let Some(v) = negotiated.version.filter(|v| is_old_version(v)) {
        push(Finding::new(
            codes.old_version,
            format!("{shown}: negotiated {v}; RFC 8461 §4.2 requires TLS 1.2 or newer"),
        ));
    } else if let Some(c) = negotiated
        .cipher
        .filter(|c| is_cbc(c) || negotiated.client.is_some_and(|n| n != FIRST_CLIENT))
    {
        // Reached only by the second client (or with a CBC suite): a legacy-only server.
        let by = negotiated
            .client
            .map(|n| format!(" (by {n})"))
            .unwrap_or_default();
        let kind = if is_cbc(c) {
            "a CBC suite"
        } else {
            "a suite modern TLS libraries leave out"
        };
        let also = if python_defaults_refuse(c) {
            ", and Python on its own default suites (3.10 and later) does not offer it"
        } else {
            ""
        };
        push(Finding::new(
            codes.cbc_only,
            format!(
                "{shown}: only a suite rustls does not offer worked: {c}{by}, {kind}; \
                 senders differ: those on OpenSSL's default suites connect, \
                 rustls-based ones do not{also}"
            ),
        ));
    }
    if let Some(c) = cert {
        if !c.dns_names.is_empty() && !name_matches(&c.dns_names, host) {
            push(Finding::new(
                codes.name_mismatch,
                format!(
                    "{shown}: the certificate is for {}, not for {host}",
                    names(cert)
                ),
            ));
        }
        if let Some(now) = now {
            match (c.not_before, c.not_after) {
                (_, Some(end)) if end < now => push(Finding::new(
                    codes.expired,
                    format!("{shown}: the certificate expired on {}", format_time(end)),
                )),
                (Some(start), _) if start > now => push(Finding::new(
                    codes.not_yet_valid,
                    format!("{shown}: the certificate is not valid until {}", format_time(start)),
                )),
                (_, Some(end)) if end - now < EXPIRY_WARNING => push(Finding::new(
                    codes.expiring,
                    format!(
                        "{shown}: the certificate expires on {} (in {} days); renew it before senders start refusing it",
                        format_time(end),
                        (end - now) / 86_400
                    ),
                )),
                _ => {}
            }
        }
    }
    out
}

fn names(cert: Option<&CertFacts>) -> String {
    match cert {
        Some(c) if !c.dns_names.is_empty() => c.dns_names.join(", "),
        Some(CertFacts {
            subject: Some(s), ..
        }) => s.clone(),
        _ => "other names".into(),
    }
}

/// `YYYY-MM-DD HH:MM UTC` for a Unix time.
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let rem = t.rem_euclid(86_400);
    let (y, m, d) = crate::generate::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_id_matching() {
        let sans = vec!["*.example.com".to_string(), "example.net".to_string()];
        assert!(name_matches(&sans, "mx.example.com"));
        assert!(name_matches(&sans, "EXAMPLE.NET."));
        assert!(!name_matches(&sans, "example.com"));
        assert!(!name_matches(&sans, "a.b.example.com"));
        assert!(!name_matches(
            &["mx*.example.com".to_string()],
            "mx1.example.com"
        ));
    }

    #[test]
    fn versions() {
        assert!(is_old_version("TLSv1.1"));
        assert!(is_old_version("TLSv1"));
        assert!(!is_old_version("TLSv1.2"));
        assert!(!is_old_version("TLSv1.3"));
    }

    #[test]
    fn cbc_suites_by_either_name() {
        for cbc in [
            "ECDHE-ECDSA-AES128-SHA",
            "AES256-SHA",
            "ECDHE-RSA-AES256-SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        ] {
            assert!(is_cbc(cbc), "{cbc}");
        }
        for aead in [
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-RSA-CHACHA20-POLY1305",
            "TLS_AES_256_GCM_SHA384",
            "TLS13_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "DHE-RSA-AES128-CCM",
        ] {
            assert!(!is_cbc(aead), "{aead}");
        }
    }

    /// What Python 3.10+ offers on its own default list (checked against a real Python by the
    /// interop suite's second MTA-STS resolver).
    #[test]
    fn python_own_defaults() {
        for refused in [
            "ECDHE-ECDSA-AES128-SHA",
            "ECDHE-RSA-AES256-SHA",
            "AES256-SHA",
            "AES128-GCM-SHA256",
            "DHE-RSA-AES128-SHA",
        ] {
            assert!(python_defaults_refuse(refused), "{refused}");
        }
        for offered in [
            "ECDHE-ECDSA-AES128-SHA256",
            "DHE-RSA-AES128-GCM-SHA256",
            "ecdhe-rsa-chacha20-poly1305",
        ] {
            assert!(!python_defaults_refuse(offered), "{offered}");
        }
    }

    #[test]
    fn time_format() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
    }
}
