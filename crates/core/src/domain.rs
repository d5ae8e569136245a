//! Domain input: turns what people type or paste into the policy domain to check.
//!
//! People paste `Example.COM.`, `https://example.com/path?q`, `user@example.com`,
//! `mailto:user@example.com` or `bücher.de`. The policy domain is the part after `@` of an
//! address (RFC 8461 §4: the "Policy Domain" is the domain of the recipient address), in
//! A-label form for DNS, with the Unicode form kept for display.
//!
//! The IDNA conversion sits behind the [`Idna`] trait so the browser build can use the
//! browser's own URL parser instead of shipping Unicode tables.

use std::fmt;

use crate::catalog::Code;
use crate::hostname::{self, NameError};

/// IDNA conversion (UTS #46 processing with IDNA2008 rules, as browsers do).
pub trait Idna {
    /// Converts a name containing non-ASCII characters to its A-label (`xn--`) form. The error
    /// says in plain words why it cannot be converted.
    fn to_ascii(&self, name: &str) -> Result<String, String>;
    /// Converts an A-label name to Unicode for display; returns the input when it cannot.
    fn to_unicode(&self, name: &str) -> String;
    /// Lower-cases a name typed in Unicode (Unicode's default case mapping). The browser
    /// plugs in its own `toLowerCase` so that its download carries no case tables (25 KB).
    fn to_lowercase(&self, name: &str) -> String {
        name.to_lowercase()
    }
}

/// An [`Idna`] that converts nothing: non-ASCII input is refused with advice to type the
/// `xn--` form. Used where no IDNA implementation is plugged in.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsciiOnly;

impl Idna for AsciiOnly {
    fn to_ascii(&self, _name: &str) -> Result<String, String> {
        Err(
            "this build cannot convert internationalised names; enter the xn-- (A-label) form"
                .into(),
        )
    }

    fn to_unicode(&self, name: &str) -> String {
        name.to_string()
    }
}

/// UTS #46 through the `idna` crate (native builds).
#[cfg(feature = "idna")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Uts46;

#[cfg(feature = "idna")]
impl Idna for Uts46 {
    fn to_ascii(&self, name: &str) -> Result<String, String> {
        idna::domain_to_ascii(name)
            .map_err(|_| "it is not a valid internationalised domain name (IDNA)".to_string())
    }

    fn to_unicode(&self, name: &str) -> String {
        let (unicode, result) = idna::domain_to_unicode(name);
        if result.is_ok() {
            unicode
        } else {
            name.to_string()
        }
    }
}

/// The best IDNA implementation compiled into this build.
pub fn default_idna() -> &'static dyn Idna {
    #[cfg(feature = "idna")]
    {
        &Uts46
    }
    #[cfg(not(feature = "idna"))]
    {
        &AsciiOnly
    }
}

/// A policy domain ready to check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Domain {
    /// Lower-case A-label form without trailing dot: what goes into DNS queries and URLs.
    pub ascii: String,
    /// The same name for display (Unicode labels where it has `xn--` labels).
    pub unicode: String,
    /// What was done to the input, for the "will check …" hint (e.g. "took the domain from
    /// the e-mail address").
    pub notes: Vec<String>,
}

/// Why the input is not a domain we can check. Each message says what to type instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainError {
    Empty,
    InnerSpace,
    IpAddress(String),
    SingleLabel(String),
    Name(String, NameError),
    Idna(String, String),
}

impl DomainError {
    pub fn code(&self) -> Code {
        match self {
            DomainError::Empty => Code::DomainEmpty,
            DomainError::InnerSpace => Code::DomainSpace,
            DomainError::IpAddress(_) => Code::DomainIpAddress,
            DomainError::SingleLabel(_) => Code::DomainSingleLabel,
            DomainError::Name(_, NameError::LabelTooLong { .. }) => Code::DomainLabelTooLong,
            DomainError::Name(_, NameError::TooLong { .. }) => Code::DomainTooLong,
            DomainError::Name(..) => Code::DomainInvalid,
            DomainError::Idna(..) => Code::DomainIdna,
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::Empty => write!(f, "enter a domain name, such as example.com"),
            DomainError::InnerSpace => write!(
                f,
                "a domain name cannot contain spaces; enter one domain, such as example.com"
            ),
            DomainError::IpAddress(ip) => write!(
                f,
                "{ip} is an IP address; MTA-STS applies to domain names, so enter the mail domain (the part after @ in your addresses)"
            ),
            DomainError::SingleLabel(name) => write!(
                f,
                "\"{name}\" has a single label; enter a full domain such as {name}.com"
            ),
            DomainError::Name(name, err) => write!(f, "\"{name}\" is not a valid domain name: {err}"),
            DomainError::Idna(name, why) => write!(f, "\"{name}\" cannot be used: {why}"),
        }
    }
}

impl std::error::Error for DomainError {}

/// Normalises typed or pasted input to the policy domain to check.
pub fn normalize(input: &str, idna: &dyn Idna) -> Result<Domain, DomainError> {
    let mut notes = Vec::new();
    let mut s = input.trim();
    if s.is_empty() {
        return Err(DomainError::Empty);
    }

    if let Some(rest) = strip_prefix_ci(s, "mailto:") {
        s = rest.split(['?', '#']).next().unwrap_or(rest);
    } else if let Some(idx) = s.find("://") {
        let after = &s[idx + 3..];
        let authority = after.split(['/', '?', '#']).next().unwrap_or(after);
        let host = authority.rsplit('@').next().unwrap_or(authority);
        s = strip_port(host);
        notes.push("took the host name from the URL".to_string());
    }
    if let Some((_, domain)) = s.rsplit_once('@') {
        s = domain;
        notes.push("took the domain from the e-mail address".to_string());
    }
    s = s.trim();
    if s.is_empty() {
        return Err(DomainError::Empty);
    }
    if s.chars().any(char::is_whitespace) {
        return Err(DomainError::InnerSpace);
    }
    if hostname::looks_like_ip(s) {
        return Err(DomainError::IpAddress(s.to_string()));
    }
    let without_dot = s.strip_suffix('.').unwrap_or(s);

    let mut ascii = if without_dot.is_ascii() {
        without_dot.to_ascii_lowercase()
    } else {
        let a = idna
            .to_ascii(without_dot)
            .map_err(|why| DomainError::Idna(without_dot.to_string(), why))?;
        notes.push(format!("converted to its DNS form {a}"));
        a
    };
    // Someone may paste one of the names MTA-STS uses for the domain rather than the domain.
    // Strip every leading MTA-STS name ("mta-sts.mta-sts.x" too), so the result normalises
    // to itself.
    let pasted = ascii.clone();
    while let Some(rest) = ["_mta-sts.", "mta-sts.", "_smtp._tls."]
        .iter()
        .find_map(|p| ascii.strip_prefix(p))
        .filter(|rest| rest.contains('.'))
    {
        ascii = rest.to_string();
    }
    if ascii != pasted {
        notes.push(format!(
            "checking {ascii}: {pasted} is one of the names MTA-STS uses for it"
        ));
    }
    // Only one trailing dot is insignificant; a second one is an empty label ("example.com..").
    if ascii.ends_with('.') {
        let offset = ascii.len() - 1;
        return Err(DomainError::Name(
            without_dot.to_string(),
            NameError::EmptyLabel { offset },
        ));
    }
    hostname::check_ldh(&ascii).map_err(|e| DomainError::Name(without_dot.to_string(), e))?;
    if hostname::looks_like_ip(&ascii) {
        return Err(DomainError::IpAddress(ascii));
    }
    if !ascii.contains('.') {
        return Err(DomainError::SingleLabel(ascii));
    }
    // A name typed in Unicode is shown as typed (lower-cased), whatever the IDNA at hand can
    // convert back (the browser's URL API only converts towards ASCII).
    let unicode = if !without_dot.is_ascii() && ascii == pasted {
        idna.to_lowercase(without_dot)
    } else if ascii.split('.').any(|l| l.starts_with("xn--")) {
        idna.to_unicode(&ascii)
    } else {
        ascii.clone()
    };
    Ok(Domain {
        ascii,
        unicode,
        notes,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Drops a `:port` suffix from a URL authority, leaving `[v6]` literals whole.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        normalize(input, &AsciiOnly)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"))
            .ascii
    }

    fn err(input: &str) -> Code {
        normalize(input, &AsciiOnly).expect_err(input).code()
    }

    #[test]
    fn what_people_paste() {
        assert_eq!(ok("Example.COM."), "example.com");
        assert_eq!(ok("  example.com "), "example.com");
        assert_eq!(ok("https://example.com/path?q"), "example.com");
        assert_eq!(ok("HTTPS://user:pw@Example.com:8443/x"), "example.com");
        assert_eq!(ok("user@example.com"), "example.com");
        assert_eq!(ok("mailto:user@example.com"), "example.com");
        assert_eq!(ok("MAILTO:user@example.com?subject=hi"), "example.com");
        assert_eq!(ok("_mta-sts.example.com"), "example.com");
        assert_eq!(ok("mta-sts.example.co.uk"), "example.co.uk");
        assert_eq!(ok("xn--bcher-kva.de"), "xn--bcher-kva.de");
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(err(""), Code::DomainEmpty);
        assert_eq!(err("   "), Code::DomainEmpty);
        assert_eq!(err("user@"), Code::DomainEmpty);
        assert_eq!(err("exa mple.com"), Code::DomainSpace);
        assert_eq!(err("192.0.2.1"), Code::DomainIpAddress);
        assert_eq!(err("[2001:db8::1]"), Code::DomainIpAddress);
        assert_eq!(err("https://[2001:db8::1]:443/"), Code::DomainIpAddress);
        assert_eq!(err("localhost"), Code::DomainSingleLabel);
        assert_eq!(
            err(&format!("{}.com", "a".repeat(64))),
            Code::DomainLabelTooLong
        );
        assert_eq!(err(&vec!["abcdefghi"; 26].join(".")), Code::DomainTooLong);
        assert_eq!(err("exa_mple.com"), Code::DomainInvalid);
        assert_eq!(err("example..com"), Code::DomainInvalid);
        assert_eq!(err("bücher.de"), Code::DomainIdna);
        let msg = normalize("192.0.2.1", &AsciiOnly).unwrap_err().to_string();
        assert!(msg.contains("IP address"), "{msg}");
    }

    /// An IDNA that converts towards ASCII only, as the browser's URL API does.
    struct OneWay;
    impl Idna for OneWay {
        fn to_ascii(&self, name: &str) -> Result<String, String> {
            match name.to_lowercase().as_str() {
                "bücher.de" => Ok("xn--bcher-kva.de".into()),
                "mta-sts.bücher.de" => Ok("mta-sts.xn--bcher-kva.de".into()),
                _ => Err("unknown".into()),
            }
        }
        fn to_unicode(&self, name: &str) -> String {
            name.to_string()
        }
    }

    #[test]
    fn a_unicode_name_is_shown_as_typed() {
        let d = normalize("Bücher.DE", &OneWay).unwrap();
        assert_eq!(
            (d.ascii.as_str(), d.unicode.as_str()),
            ("xn--bcher-kva.de", "bücher.de")
        );
        // A pasted policy-host name is reduced to the domain: not "as typed" any more.
        let d = normalize("mta-sts.bücher.de", &OneWay).unwrap();
        assert_eq!(
            (d.ascii.as_str(), d.unicode.as_str()),
            ("xn--bcher-kva.de", "xn--bcher-kva.de")
        );
    }

    #[cfg(feature = "idna")]
    #[test]
    fn unicode_names_become_a_labels() {
        let d = normalize("Bücher.DE", &Uts46).unwrap();
        assert_eq!(d.ascii, "xn--bcher-kva.de");
        assert_eq!(d.unicode, "bücher.de");
        let d = normalize("xn--bcher-kva.de", &Uts46).unwrap();
        assert_eq!(d.unicode, "bücher.de");
    }
}
