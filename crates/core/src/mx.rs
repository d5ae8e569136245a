//! Policy `mx` patterns and MX host matching (RFC 8461 §3.2, §4.1).
//!
//! §3.2: `sts-policy-mx-value = ["*."] Domain`; "allowed MX patterns … Wildcards are only
//! allowed as the left-most label" and IDNs are written as A-labels.
//!
//! §4.1: "MX hosts are matched against the policy's `mx` patterns … using the rules of
//! [RFC 6125] … case-insensitively … The wildcard character `*` matches exactly one whole
//! left-most label: `*.example.com` matches `mail.example.com` but not `example.com` and not
//! `foo.bar.example.com`." The trailing dot of a DNS name is not significant.

use serde::{Deserialize, Serialize};

use crate::catalog::Code;
use crate::finding::Finding;
use crate::hostname::{self, NameError};
use crate::policy::Mode;

/// A syntactically valid policy `mx` pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct MxPattern {
    /// `true` for `*.base`.
    pub wildcard: bool,
    /// Lower-case, without trailing dot or `*.`.
    pub base: String,
}

impl MxPattern {
    /// The pattern as it should be written in a policy.
    pub fn display(&self) -> String {
        if self.wildcard {
            format!("*.{}", self.base)
        } else {
            self.base.clone()
        }
    }

    /// RFC 8461 §4.1 matching of one MX host name against this pattern.
    pub fn matches(&self, host: &str) -> bool {
        let host = hostname::canonical(host);
        if self.wildcard {
            match host.split_once('.') {
                Some((first, rest)) => !first.is_empty() && first != "*" && rest == self.base,
                None => false,
            }
        } else {
            host == self.base
        }
    }
}

/// Why an `mx` value is not a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    Empty,
    IpLiteral,
    /// `*` somewhere other than as the whole left-most label (`mail*.x`, `a.*.x`, `*x.y`).
    Wildcard {
        offset: usize,
    },
    /// A non-ASCII (U-label) name; policies need the `xn--` form.
    NotALabel {
        offset: usize,
    },
    Name(NameError),
}

impl PatternError {
    pub fn code(&self) -> Code {
        match self {
            PatternError::Empty => Code::PolicyMxInvalid,
            PatternError::IpLiteral => Code::PolicyMxIpLiteral,
            PatternError::Wildcard { .. } => Code::PolicyMxWildcard,
            PatternError::NotALabel { .. } => Code::PolicyMxULabel,
            PatternError::Name(_) => Code::PolicyMxInvalid,
        }
    }

    /// Byte offset of the problem in the value.
    pub fn offset(&self) -> usize {
        match self {
            PatternError::Empty | PatternError::IpLiteral => 0,
            PatternError::Wildcard { offset } | PatternError::NotALabel { offset } => *offset,
            PatternError::Name(e) => e.offset(),
        }
    }

    pub fn message(&self, value: &str) -> String {
        match self {
            PatternError::Empty => "mx: has no value; give an MX host name or *.domain".into(),
            PatternError::IpLiteral => format!("\"{value}\" is an IP address; mx patterns are host names (the names your MX records point to)"),
            PatternError::Wildcard { .. } => format!("\"{value}\": '*' is only allowed as the whole left-most label, as in *.example.com"),
            PatternError::NotALabel { .. } => format!("\"{value}\" is not ASCII; write internationalised names in their xn-- (A-label) form"),
            PatternError::Name(e) => format!("\"{value}\" is not a valid host name: {e}"),
        }
    }
}

/// Parses an `mx` value. A trailing dot is accepted here (matching ignores it); the policy
/// parser remarks on it because strict parsers reject it.
pub fn parse_pattern(value: &str) -> Result<MxPattern, PatternError> {
    if value.is_empty() {
        return Err(PatternError::Empty);
    }
    // The first byte that is not ASCII starts a character: its offset is a char boundary.
    if let Some(i) = value.bytes().position(|b| !b.is_ascii()) {
        return Err(PatternError::NotALabel { offset: i });
    }
    if hostname::looks_like_ip(value) {
        return Err(PatternError::IpLiteral);
    }
    let (wildcard, base, base_offset) = match value.strip_prefix("*.") {
        Some(rest) => (true, rest, 2),
        None => (false, value, 0),
    };
    if let Some(i) = base.bytes().position(|b| b == b'*') {
        return Err(PatternError::Wildcard {
            offset: base_offset + i,
        });
    }
    if value == "*" {
        return Err(PatternError::Wildcard { offset: 0 });
    }
    hostname::check_ldh(base).map_err(|e| PatternError::Name(shift(e, base_offset)))?;
    Ok(MxPattern {
        wildcard,
        base: hostname::canonical(base),
    })
}

fn shift(e: NameError, by: usize) -> NameError {
    match e {
        NameError::EmptyLabel { offset } => NameError::EmptyLabel {
            offset: offset + by,
        },
        NameError::LabelTooLong { offset, len } => NameError::LabelTooLong {
            offset: offset + by,
            len,
        },
        NameError::InvalidChar { offset, ch } => NameError::InvalidChar {
            offset: offset + by,
            ch,
        },
        NameError::HyphenAtEdge { offset } => NameError::HyphenAtEdge {
            offset: offset + by,
        },
        other => other,
    }
}

/// One MX record of the policy domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxRecord {
    pub preference: u16,
    pub exchange: String,
}

impl MxRecord {
    pub fn new(preference: u16, exchange: impl Into<String>) -> Self {
        MxRecord {
            preference,
            exchange: exchange.into(),
        }
    }

    /// RFC 7505 §3: a null MX is a single record with preference 0 and exchange ".".
    pub fn is_null(&self) -> bool {
        self.exchange.is_empty() || self.exchange == "."
    }
}

/// Which pattern, if any, covers one MX host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostCoverage {
    pub host: String,
    pub preference: u16,
    /// The first policy pattern matching the host.
    pub pattern: Option<String>,
}

/// How a policy's patterns cover a domain's MX set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub hosts: Vec<HostCoverage>,
    /// Patterns that match none of the MX hosts.
    pub unused_patterns: Vec<String>,
    /// The domain publishes a null MX (RFC 7505): it accepts no mail.
    pub null_mx: bool,
    /// The domain has no MX records, so senders use the domain itself (RFC 5321 §5.1).
    pub implicit_mx: bool,
}

impl Coverage {
    pub fn uncovered(&self) -> impl Iterator<Item = &HostCoverage> {
        self.hosts.iter().filter(|h| h.pattern.is_none())
    }
}

/// Finds the first pattern that covers `host`.
pub fn find_match<'a>(host: &str, patterns: &'a [MxPattern]) -> Option<&'a MxPattern> {
    patterns.iter().find(|p| p.matches(host))
}

/// Matches every MX host of `domain` against the policy's patterns. Findings depend on the
/// mode: in `enforce`, an uncovered MX is an error because conforming senders will not deliver
/// to it (§5); in `testing` it is a warning (reported, mail still delivered); in `none` nothing
/// is checked.
pub fn coverage(
    domain: &str,
    mx: &[MxRecord],
    patterns: &[MxPattern],
    mode: Option<Mode>,
) -> (Coverage, Vec<Finding>) {
    let mut findings = Vec::new();
    let null_mx = mx.iter().any(MxRecord::is_null);
    if null_mx && mx.len() > 1 {
        findings.push(Finding::new(
            Code::MxNullMixed,
            "the domain publishes a null MX (\".\") together with other MX records; RFC 7505 forbids this and senders may treat the domain as accepting no mail",
        ));
    } else if null_mx {
        findings.push(Finding::new(
            Code::MxNull,
            "the domain publishes a null MX: it accepts no mail, so an MTA-STS policy has nothing to protect",
        ));
    }
    let implicit_mx = mx.is_empty();
    let mut hosts: Vec<(u16, String)> = mx
        .iter()
        .filter(|r| !r.is_null())
        .map(|r| (r.preference, hostname::canonical(&r.exchange)))
        .collect();
    if implicit_mx {
        findings.push(Finding::new(
            Code::MxImplicit,
            format!("{domain} has no MX records, so senders deliver to {domain} itself (RFC 5321 §5.1); the policy must cover that name"),
        ));
        hosts.push((0, hostname::canonical(domain)));
    }
    crate::order::sort(&mut hosts);
    hosts.dedup_by(|a, b| a.1 == b.1);

    let mut out = Vec::new();
    for (preference, host) in hosts {
        let pattern = find_match(&host, patterns).map(MxPattern::display);
        if pattern.is_none() {
            match mode {
                Some(Mode::Enforce) => findings.push(
                    Finding::new(
                        Code::MxUncovered,
                        format!("MX {host} is not covered by any mx pattern of the enforced policy: senders that apply MTA-STS will not deliver to it"),
                    )
                    .about(host.clone()),
                ),
                Some(Mode::Testing) => findings.push(
                    Finding::new(
                        Code::MxUncoveredTesting,
                        format!("MX {host} is not covered by any mx pattern: in testing mode this is only reported, but enforcing now would stop delivery to it"),
                    )
                    .about(host.clone()),
                ),
                Some(Mode::None) | None => {}
            }
        }
        out.push(HostCoverage {
            host,
            preference,
            pattern,
        });
    }
    let mut unused = Vec::new();
    if !null_mx {
        for p in patterns {
            if !out.iter().any(|h| p.matches(&h.host)) {
                let shown = p.display();
                if !unused.contains(&shown) {
                    findings.push(
                        Finding::new(
                            Code::MxPatternUnused,
                            format!("pattern {shown} matches none of the domain's MX hosts"),
                        )
                        .about(shown.clone()),
                    );
                    unused.push(shown);
                }
            }
        }
    }
    (
        Coverage {
            hosts: out,
            unused_patterns: unused,
            null_mx,
            implicit_mx,
        },
        findings,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> MxPattern {
        parse_pattern(s).unwrap()
    }

    #[test]
    fn rfc_8461_4_1_examples() {
        let w = p("*.example.com");
        assert!(w.matches("mail.example.com"));
        assert!(w.matches("MAIL.Example.COM."));
        assert!(!w.matches("example.com"));
        assert!(!w.matches("foo.bar.example.com"));
        assert!(!w.matches(".example.com"));
        let exact = p("mail.example.com.");
        assert!(exact.matches("mail.example.com"));
        assert!(exact.matches("Mail.Example.Com."));
        assert!(!exact.matches("mail2.example.com"));
        assert!(!exact.matches("mail.example.com.evil"));
    }

    #[test]
    fn pattern_syntax() {
        assert_eq!(parse_pattern(""), Err(PatternError::Empty));
        assert_eq!(
            parse_pattern("*"),
            Err(PatternError::Wildcard { offset: 0 })
        );
        assert_eq!(
            parse_pattern("mail*.example.com"),
            Err(PatternError::Wildcard { offset: 4 })
        );
        assert_eq!(
            parse_pattern("*mail.example.com"),
            Err(PatternError::Wildcard { offset: 0 })
        );
        assert_eq!(
            parse_pattern("a.*.example.com"),
            Err(PatternError::Wildcard { offset: 2 })
        );
        assert_eq!(
            parse_pattern("*.*.example.com"),
            Err(PatternError::Wildcard { offset: 2 })
        );
        assert_eq!(parse_pattern("192.0.2.1"), Err(PatternError::IpLiteral));
        assert_eq!(parse_pattern("[192.0.2.1]"), Err(PatternError::IpLiteral));
        assert_eq!(
            parse_pattern("bücher.de"),
            Err(PatternError::NotALabel { offset: 1 })
        );
        assert!(matches!(
            parse_pattern("mail_1.example.com"),
            Err(PatternError::Name(_))
        ));
        assert!(matches!(
            parse_pattern("*."),
            Err(PatternError::Name(NameError::Empty))
        ));
        assert_eq!(p("*.Example.COM").display(), "*.example.com");
    }

    #[test]
    fn coverage_by_mode() {
        let pats = vec![
            p("*.example.com"),
            p("backup.example.net"),
            p("unused.example.org"),
        ];
        let mx = vec![
            MxRecord::new(10, "mx1.example.com."),
            MxRecord::new(20, "backup.example.net"),
            MxRecord::new(30, "other.example.org"),
        ];
        let (cov, f) = coverage("example.com", &mx, &pats, Some(Mode::Enforce));
        assert_eq!(
            cov.uncovered().map(|h| h.host.as_str()).collect::<Vec<_>>(),
            ["other.example.org"]
        );
        assert_eq!(cov.hosts[0].pattern.as_deref(), Some("*.example.com"));
        let codes: Vec<_> = f.iter().map(|f| f.code).collect();
        assert_eq!(codes, [Code::MxUncovered, Code::MxPatternUnused]);
        let (_, f) = coverage("example.com", &mx, &pats, Some(Mode::Testing));
        assert_eq!(f[0].code, Code::MxUncoveredTesting);
        let (_, f) = coverage("example.com", &mx, &pats, Some(Mode::None));
        assert_eq!(
            f.iter().map(|f| f.code).collect::<Vec<_>>(),
            [Code::MxPatternUnused]
        );
    }

    #[test]
    fn null_and_implicit_mx() {
        let (cov, f) = coverage(
            "example.com",
            &[MxRecord::new(0, ".")],
            &[],
            Some(Mode::Enforce),
        );
        assert!(cov.null_mx && cov.hosts.is_empty());
        assert_eq!(f.iter().map(|f| f.code).collect::<Vec<_>>(), [Code::MxNull]);
        let (_, f) = coverage(
            "example.com",
            &[MxRecord::new(0, "."), MxRecord::new(10, "mx.example.com")],
            &[p("mx.example.com")],
            Some(Mode::Enforce),
        );
        assert_eq!(f[0].code, Code::MxNullMixed);
        let (cov, f) = coverage("example.com", &[], &[p("example.com")], Some(Mode::Enforce));
        assert!(cov.implicit_mx);
        assert_eq!(cov.hosts[0].pattern.as_deref(), Some("example.com"));
        assert_eq!(
            f.iter().map(|f| f.code).collect::<Vec<_>>(),
            [Code::MxImplicit]
        );
    }
}
