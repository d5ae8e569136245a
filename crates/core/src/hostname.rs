//! Host name syntax shared by the domain input, policy `mx` patterns and TLS-RPT URIs.
//!
//! RFC 8461 §3.2 defines `sts-policy-mx-value = ["*."] Domain` with `Domain` from RFC 5321
//! §4.1.2: `sub-domain *("." sub-domain)`, `sub-domain = Let-dig [Ldh-str]`, i.e. labels of
//! letters, digits and hyphens that neither start nor end with a hyphen. RFC 1035 §2.3.4 limits
//! a label to 63 octets and a name to 255 octets on the wire, which is 253 characters written
//! out without the trailing dot.

use std::fmt;

/// The longest name, written out without its trailing dot (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 253;
/// The longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// Why a string is not a host name. `offset` values are byte offsets into the checked string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    Empty,
    EmptyLabel { offset: usize },
    LabelTooLong { offset: usize, len: usize },
    TooLong { len: usize },
    InvalidChar { offset: usize, ch: char },
    HyphenAtEdge { offset: usize },
}

impl NameError {
    /// Byte offset of the problem, where it has one.
    pub fn offset(&self) -> usize {
        match *self {
            NameError::Empty | NameError::TooLong { .. } => 0,
            NameError::EmptyLabel { offset }
            | NameError::LabelTooLong { offset, .. }
            | NameError::InvalidChar { offset, .. }
            | NameError::HyphenAtEdge { offset } => offset,
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "the name is empty"),
            NameError::EmptyLabel { .. } => write!(f, "the name has an empty label (two dots in a row, or a leading dot)"),
            NameError::LabelTooLong { len, .. } => {
                write!(f, "a label is {len} characters long; the limit is {MAX_LABEL_LEN}")
            }
            NameError::TooLong { len } => {
                write!(f, "the name is {len} characters long; the limit is {MAX_NAME_LEN}")
            }
            NameError::InvalidChar { ch, .. } if *ch == ' ' => {
                write!(f, "the name contains a space")
            }
            NameError::InvalidChar { ch, .. } if ch.is_ascii_graphic() => {
                write!(f, "'{ch}' cannot appear in a host name (letters, digits, '-' and '.' only)")
            }
            NameError::InvalidChar { ch, .. } => write!(
                f,
                "character U+{:04X} cannot appear in a host name (letters, digits, '-' and '.' only)",
                *ch as u32
            ),
            NameError::HyphenAtEdge { .. } => {
                write!(f, "a label starts or ends with '-'")
            }
        }
    }
}

/// Checks that `name` is an LDH host name (RFC 5321 `Domain`). A single trailing dot is
/// accepted (the caller decides whether to remark on it); everything else must be exact.
pub fn check_ldh(name: &str) -> Result<(), NameError> {
    let body = name.strip_suffix('.').unwrap_or(name);
    if body.is_empty() {
        return Err(NameError::Empty);
    }
    if body.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { len: body.len() });
    }
    // One pass over the bytes (`str::split` and a second scan per label cost more than the
    // check on names this short: the policy lint's benchmark). The order of the errors is
    // a label-by-label check's: a label's bad character before its length and its hyphens.
    let bytes = body.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' {
            check_label(&body[start..i], start)?;
            start = i + 1;
        } else if !(b.is_ascii_alphanumeric() || b == b'-') {
            // A byte that fails an ASCII test starts a character (ASCII bytes never occur
            // inside a multi-byte one).
            let ch = body[i..].chars().next().unwrap_or('\u{fffd}');
            return Err(NameError::InvalidChar { offset: i, ch });
        }
    }
    check_label(&body[start..], start)
}

/// A label's length and edges (its characters are checked by the caller).
fn check_label(label: &str, offset: usize) -> Result<(), NameError> {
    if label.is_empty() {
        return Err(NameError::EmptyLabel { offset });
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong {
            offset,
            len: label.len(),
        });
    }
    if label.starts_with('-') {
        return Err(NameError::HyphenAtEdge { offset });
    }
    if label.ends_with('-') {
        return Err(NameError::HyphenAtEdge {
            offset: offset + label.len() - 1,
        });
    }
    Ok(())
}

/// True when `s` is written like an IPv4 or IPv6 address (including `[…]` literals), which
/// is never a host name here.
pub fn looks_like_ip(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    // A letter outside an IPv6 literal (which has colons) means no address: skip the parse.
    let maybe_ip =
        inner.as_bytes().contains(&b':') || !inner.bytes().any(|b| b.is_ascii_alphabetic());
    if maybe_ip && inner.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    // RFC 1123 §2.1: a name whose last label is all digits would be taken for an IPv4 address.
    let tld = s
        .as_bytes()
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(s.as_bytes(), |i| &s.as_bytes()[i + 1..]);
    !tld.is_empty() && tld.iter().all(u8::is_ascii_digit)
}

/// Lower-cases ASCII and drops one trailing dot: the comparison form of a DNS name
/// (RFC 8461 §4.1 matching is case-insensitive and the trailing dot is not significant).
pub fn canonical(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for ok in [
            "example.com",
            "mail.example.com.",
            "a-b.c0.example",
            "xn--bcher-kva.de",
            "1mail.example.com",
            "localhost",
        ] {
            assert_eq!(check_ldh(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        assert_eq!(check_ldh(""), Err(NameError::Empty));
        assert_eq!(check_ldh("."), Err(NameError::Empty));
        assert_eq!(check_ldh("a..b"), Err(NameError::EmptyLabel { offset: 2 }));
        assert_eq!(
            check_ldh("a_b.example"),
            Err(NameError::InvalidChar { offset: 1, ch: '_' })
        );
        assert_eq!(
            check_ldh("-a.example"),
            Err(NameError::HyphenAtEdge { offset: 0 })
        );
        assert_eq!(
            check_ldh("a.b-.example"),
            Err(NameError::HyphenAtEdge { offset: 3 })
        );
        let long_label = "a".repeat(64);
        assert!(matches!(
            check_ldh(&format!("{long_label}.com")),
            Err(NameError::LabelTooLong { len: 64, .. })
        ));
        let long_name = vec!["abcdefghi"; 26].join(".");
        assert!(matches!(
            check_ldh(&long_name),
            Err(NameError::TooLong { .. })
        ));
    }

    #[test]
    fn ip_addresses_are_recognised() {
        assert!(looks_like_ip("192.0.2.1"));
        assert!(looks_like_ip("[2001:db8::1]"));
        assert!(looks_like_ip("2001:db8::1"));
        assert!(looks_like_ip("mail.123"));
        assert!(!looks_like_ip("mail.example.com"));
        assert!(!looks_like_ip("123.example"));
    }
}
