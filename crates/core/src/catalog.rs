//! The findings catalog: every code a validator can emit, with its severity, title,
//! explanation, fix advice and the RFC section it rests on.
//!
//! Codes are stable: scripts match on them. A code's severity never depends on context; where
//! context changes the consequence (an uncovered MX in `enforce` versus `testing`), there are
//! two codes. `docs/findings.md` is generated from this table (`mtasts explain --all
//! --markdown`) and a test keeps it in sync.

use serde::{Serialize, Serializer};

use crate::finding::Severity;

/// Everything known about one code.
#[derive(Debug, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub rfc: &'static str,
    pub title: &'static str,
    pub fix: &'static str,
}

macro_rules! catalog {
    ($($variant:ident => $code:literal, $sev:ident, $rfc:literal, $title:literal, $explanation:literal, $fix:literal;)*) => {
        /// A stable finding code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        const INFOS: &[CodeInfo] = &[
            $(CodeInfo {
                code: $code,
                severity: Severity::$sev,
                rfc: $rfc,
                title: $title,
                fix: $fix,
            },)*
        ];

        /// The explanations, apart from [`INFOS`]: a program that never asks for one
        /// ([`Code::explanation`]) leaves them all out (the checker's page loads a finding's
        /// explanation when it is opened; 24 KB of text).
        static EXPLANATIONS: &[&str] = &[$($explanation,)*];

        impl Code {
            /// Every code, in catalog order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
        }
    };
}

impl Code {
    pub fn info(self) -> &'static CodeInfo {
        &INFOS[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Why it matters: what the finding means for senders.
    pub fn explanation(self) -> &'static str {
        EXPLANATIONS[self as usize]
    }

    pub fn severity(self) -> Severity {
        self.info().severity
    }

    /// Codes that mean "this MX host could not be confirmed" (RFC 8461 §4.2 could not be
    /// checked for it): never a pass, never a proven failure. Readiness names these hosts.
    pub fn unconfirmed(self) -> bool {
        matches!(
            self,
            Code::MxTlsUnreachable
                | Code::MxTlsNoGreeting
                | Code::MxTlsClosed
                | Code::MxTlsNotProbed
                | Code::MxTlsDns
                | Code::DaneUnconfirmed
        )
    }

    /// Looks a code up by its string form.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A link to the RFC section a reference names (`RFC 8461 §3.2` → rfc-editor.org URL).
pub fn rfc_url(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix("RFC ")?;
    let (num, section) = match rest.split_once(" §") {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match section {
        Some(s) => format!("https://www.rfc-editor.org/rfc/rfc{num}#section-{s}"),
        None => format!("https://www.rfc-editor.org/rfc/rfc{num}"),
    })
}

/// Codes that are no longer emitted: `(old code, its successor, why)`. Scripts that match on an
/// old code find here what replaced it (`mtasts explain OLD` says so).
pub const RETIRED: &[(&str, &str, &str)] = &[(
    "report.mx_host_array",
    "report.mx_host_string",
    "RFC 8460 §4.4 makes mx-host an array, so the deviation worth a note is a plain string, not an array (renamed in 2026-11, with its meaning turned around)",
)];

/// The successor of a retired code, and why it changed.
pub fn retired(code: &str) -> Option<(Code, &'static str)> {
    RETIRED
        .iter()
        .find(|(old, _, _)| *old == code)
        .and_then(|(_, new, why)| Code::parse(new).map(|c| (c, *why)))
}

/// The whole catalog as Markdown (the content of `docs/findings.md`).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Finding codes\n\n\
         Generated from `crates/core/src/catalog.rs` by `mtasts explain --all --markdown`; a test keeps it in sync.\n\n\
         Severity: **error** means a conforming sender would not accept or apply the record or policy (or mail would fail); \
         **warning** means it works for conforming senders but is weak or known to trip some implementations; **info** is advice.\n\n\
         Senders differ where input breaks the RFC grammar, and the strictest widely used sender decides: such input is an \
         **error** when a parser that follows the grammar would lose the field or the whole record or policy (a byte order \
         mark, indentation, a space before `:`, bare CR line ends, a blank line, a trailing dot on `mx`, `;;` or trailing white \
         space in a TXT record), since for that sender the domain has no policy; a **warning** when the meaning stays clear \
         (a space before the first `;`). Lenient senders are not ignored: the interop suite runs postfix-mta-sts-resolver \
         (the policy source of Postfix senders) on real servers, `crates/core/src/lenient.rs` reads every deployment as it \
         does, `policy.read_differently` says where it applies something else, and where it enforces a policy, MX hosts that \
         fail under its reading bounce mail (`mx.uncovered_lenient`, and STARTTLS failures count as bounces). \
         Which other implementations are strict or lenient is not verified here.\n",
    );
    out.push_str(&crate::verdict::markdown());
    out.push_str("\n## Retired codes\n\nNo longer emitted; `mtasts explain OLD` shows the successor.\n\n| code | replaced by | why |\n|---|---|---|\n");
    for (old, new, why) in RETIRED {
        out.push_str(&format!("| `{old}` | `{new}` | {why} |\n"));
    }
    let mut group = "";
    for code in Code::ALL {
        let i = code.info();
        let g = i.code.split('.').next().unwrap_or("");
        if g != group {
            group = g;
            out.push_str(&format!("\n## {g}\n"));
        }
        let rfc = match rfc_url(i.rfc) {
            Some(url) => format!("[{}]({url})", i.rfc),
            None => i.rfc.to_string(),
        };
        out.push_str(&format!(
            "\n### `{}`: {}\n\n*{}* · {}\n\n{}\n\n**Fix:** {}\n",
            i.code,
            i.title,
            i.severity.as_str(),
            rfc,
            code.explanation(),
            i.fix
        ));
    }
    out
}

catalog! {
    DaneMatch => "dane.match", Info, "RFC 7672 §3.1",
        "TLSA matches",
        "The MX host publishes TLSA records in a DNSSEC-validated answer and the certificate chain it presented matches one of them: senders that validate DNSSEC authenticate it by DANE, which they prefer to MTA-STS for this host (RFC 8461 §2).",
        "Nothing to do. When the certificate or key changes, publish the new TLSA record first (RFC 7671 §8.1: \"3 1 1\" of the new key beside the old one).";
    DaneMismatch => "dane.mismatch", Error, "RFC 7672 §3.1",
        "TLSA does not match",
        "The MX host publishes TLSA records in a DNSSEC-validated answer, but none of the usable ones matches the certificate chain it presented. Senders that validate DNSSEC apply DANE in preference to MTA-STS for this host (RFC 8461 §2) and will not deliver to it, however healthy the MTA-STS checks look.",
        "Publish a TLSA record for the certificate the host serves (\"3 1 1\" with the SHA-256 of its public key is the usual choice, RFC 7671 §5.1), or serve the certificate the record names; keep the old record until the new one has been cached (RFC 7671 §8.1).";
    DaneNoTls => "dane.no_tls", Error, "RFC 7672 §2.2",
        "TLSA published, TLS not offered",
        "The MX host publishes usable TLSA records in a DNSSEC-validated answer, so senders that validate DNSSEC require TLS with it, but it offered no STARTTLS or the TLS handshake failed: they will not deliver to it.",
        "Enable STARTTLS with the certificate the TLSA records name, or remove the TLSA records (first, and wait for their TTL).";
    DaneUnsigned => "dane.unsigned", Warning, "RFC 7672 §2.2",
        "TLSA without DNSSEC",
        "The MX host publishes TLSA records, but the answer was not DNSSEC-validated (no AD bit): senders ignore TLSA records they cannot validate, so DANE does not protect this host.",
        "Sign the zone of the MX host with DNSSEC (and publish the DS at the parent), or remove the TLSA records.";
    DaneUnusable => "dane.unusable", Warning, "RFC 7672 §3.1.3",
        "Only unusable TLSA records",
        "The TLSA records of this MX host use no usage SMTP senders accept (DANE-TA(2) or DANE-EE(3), selector 0 or 1, matching type 0, 1 or 2): PKIX-TA(0) and PKIX-EE(1) are not for SMTP. Senders that validate DNSSEC then insist on TLS but authenticate nothing.",
        "Publish a DANE-EE record such as \"3 1 1 <SHA-256 of the public key>\".";
    DaneLookupServfail => "dane.lookup_servfail", Error, "RFC 7672 §2.2",
        "TLSA lookup fails",
        "The TLSA lookup for this MX host fails with SERVFAIL. Senders that validate DNSSEC cannot tell whether DANE applies, treat the host as unusable and defer mail to it.",
        "Fix the DNS (DNSSEC) of the MX host's zone: the TLSA query must get a validated answer or a validated denial.";
    DaneLookupFailed => "dane.lookup_failed", Info, "RFC 7672 §2.2",
        "TLSA lookup not answered",
        "The TLSA lookup for this MX host timed out or failed on the way to the resolver, so whether DANE is in use for it is not known.",
        "Check again; if it persists, check the DNS servers of the MX host's zone.";
    DaneUnconfirmed => "dane.unconfirmed", Warning, "RFC 7672 §3.1",
        "TLSA published, certificate not seen",
        "The MX host publishes usable TLSA records in a DNSSEC-validated answer, but the probe did not get as far as its certificate, so whether the records match is not known: never counted as passing.",
        "Check again; make sure port 25 answers.";
    FindingsMore => "findings.more", Info, "RFC 8461 §3",
        "More findings of the same kind",
        "The same finding appeared many times; the first 20 are listed and the rest are counted. Fix those and check again.",
        "Fix the listed findings; the same fix usually applies to the rest.";
    DomainEmpty => "domain.empty", Error, "RFC 8461 §4",
        "No domain given",
        "Nothing was entered to check.",
        "Enter the mail domain: the part after @ in your addresses, such as example.com.";
    DomainSpace => "domain.space", Error, "RFC 1035 §2.3.1",
        "Space in the domain",
        "Domain names cannot contain spaces; the input holds more than one word.",
        "Enter exactly one domain, such as example.com.";
    DomainIpAddress => "domain.ip_address", Error, "RFC 8461 §4",
        "IP address instead of a domain",
        "MTA-STS applies to mail domains; an IP address has no MX records or policy.",
        "Enter the domain of your e-mail addresses instead.";
    DomainSingleLabel => "domain.single_label", Error, "RFC 8461 §3.3",
        "Single-label name",
        "A name without a dot, like \"localhost\", cannot have a public MTA-STS policy.",
        "Enter the full domain, such as example.com.";
    DomainLabelTooLong => "domain.label_too_long", Error, "RFC 1035 §2.3.4",
        "Label longer than 63 characters",
        "Each dot-separated part of a DNS name is limited to 63 octets.",
        "Check the domain for a typo or a pasted string.";
    DomainTooLong => "domain.too_long", Error, "RFC 1035 §2.3.4",
        "Name longer than 253 characters",
        "A DNS name is limited to 253 characters written out.",
        "Check the domain for a typo or a pasted string.";
    DomainInvalid => "domain.invalid", Error, "RFC 5321 §4.1.2",
        "Not a valid domain name",
        "Host names consist of letters, digits and hyphens in dot-separated labels that do not start or end with a hyphen.",
        "Remove the characters that cannot appear in a host name.";
    DomainIdna => "domain.idna", Error, "RFC 5890",
        "Internationalised name cannot be converted",
        "The name contains characters that IDNA does not allow, or this build cannot convert Unicode names.",
        "Check the spelling, or enter the xn-- (A-label) form of the name.";
    DomainNxdomain => "domain.nxdomain", Error, "RFC 5321 §5.1",
        "Domain does not exist",
        "No mail can be delivered to a name that DNS answers with NXDOMAIN.",
        "Check the spelling, or register and delegate the domain.";
    DnsServfail => "dns.servfail", Error, "RFC 8461 §3.1",
        "DNS lookup failed (SERVFAIL)",
        "The resolver could not get an answer from the domain's name servers: a broken delegation, unreachable name servers or a DNSSEC validation failure. A sender whose resolver validates DNSSEC sees the same failure (checked against Unbound); one that does not validate may get an answer if DNSSEC is the cause.",
        "Check the domain's NS records and DNSSEC (DS and signatures) with a DNS debugging tool.";
    DnsTimeout => "dns.timeout", Warning, "RFC 8461 §3.1",
        "DNS lookup timed out",
        "No answer arrived in time. This may be a slow or overloaded name server, or a problem between the checker and the resolver.",
        "Run the check again; if it persists, check that the domain's name servers answer quickly.";
    DnsUnreachable => "dns.unreachable", Info, "RFC 8484",
        "Resolver unreachable",
        "The checker could not reach its DNS resolver (or the browser blocked its answer, e.g. for a missing CORS header), so this part was not tested and the result is incomplete. This is not a problem with the domain.",
        "Check the resolver setting or the network connection and run the check again.";
    DnsError => "dns.error", Info, "RFC 1035 §4.1.1",
        "DNS lookup error",
        "The resolver returned an unexpected error (for example REFUSED or a malformed answer).",
        "Run the check again, or try another resolver.";
    StsNone => "sts.record.none", Error, "RFC 8461 §3.1",
        "No MTA-STS TXT record",
        "There is no TXT record beginning with \"v=STSv1\" at _mta-sts.<domain>, so senders never look for a policy.",
        "Publish a TXT record \"v=STSv1; id=<id>\" at _mta-sts.<domain>.";
    StsMultiple => "sts.record.multiple", Error, "RFC 8461 §3.1",
        "More than one MTA-STS TXT record",
        "\"If the number of resulting records is not one … senders MUST assume the recipient domain does not have an available MTA-STS Policy.\"",
        "Delete all but one of the v=STSv1 records.";
    StsDiscarded => "sts.record.discarded", Info, "RFC 8461 §3.1",
        "Other TXT record ignored",
        "A TXT record at _mta-sts that does not begin with \"v=STSv1\" is discarded by senders. It does no harm but usually does not belong there. An SPF or verification record found there alone usually comes from a wildcard TXT record (*.<domain>), which answers every name that has no records of its own.",
        "Remove unrelated TXT records from _mta-sts.<domain>; one from a wildcard disappears once the name has a record of its own (the v=STSv1 record).";
    StsVersionCase => "sts.version.case", Error, "RFC 8461 §3.1",
        "Wrong case in \"v=STSv1\"",
        "The version is case-sensitive (%s\"v=STSv1\"); a record starting \"V=STSv1\" or \"v=stsv1\" is discarded.",
        "Write exactly \"v=STSv1\" at the start of the record.";
    StsVersionSpace => "sts.version.space_before_delimiter", Warning, "RFC 8461 §3.1",
        "Space before the first \";\"",
        "The grammar allows white space before \";\", but the discovery rule speaks of records that \"begin with v=STSv1;\", and senders that test that literal prefix discard the record. We know of no public list of which senders do; treat it as a risk.",
        "Write \"v=STSv1;\" with no space before the semicolon.";
    StsNonAscii => "sts.record.non_ascii", Error, "RFC 8461 §3.1",
        "Non-ASCII character",
        "The TXT record grammar is US-ASCII only.",
        "Remove the non-ASCII character (often a typographic quote or a non-breaking space pasted from a document).";
    StsEmptyField => "sts.field.empty", Error, "RFC 8461 §3.1",
        "Empty field (\";;\")",
        "The grammar requires a field after every \";\" except an optional final one. Lenient senders skip it; strict ones reject the record.",
        "Remove the extra \";\".";
    StsTrailingWhitespace => "sts.record.trailing_whitespace", Error, "RFC 8461 §3.1",
        "White space after the last field",
        "Only a trailing \";\" may be followed by white space; \"id=123 \" does not match the grammar, and strict senders reject the record (lenient ones trim it).",
        "Remove the trailing space, or end the record with \";\".";
    StsLeadingWhitespace => "sts.record.leading_whitespace", Error, "RFC 8461 §3.1",
        "White space before \"v=STSv1\"",
        "The record must begin with \"v=STSv1\"; senders discard a record that starts with a space.",
        "Remove the leading white space.";
    StsSyntax => "sts.field.syntax", Error, "RFC 8461 §3.1",
        "Malformed field",
        "A field is not of the form name=value, has white space around \"=\", or the record contains control characters.",
        "Write each field as name=value, separated by \"; \".";
    StsExtensionName => "sts.extension.name", Error, "RFC 8461 §3.1",
        "Invalid field name",
        "Field names are a letter or digit followed by up to 31 letters, digits, \"_\", \"-\" or \".\".",
        "Fix or remove the field.";
    StsExtensionValue => "sts.extension.value", Error, "RFC 8461 §3.1",
        "Invalid field value",
        "Extension values are printable ASCII without \"=\", \";\" or spaces, and not empty.",
        "Fix or remove the field.";
    StsDuplicateField => "sts.field.duplicate", Warning, "RFC 8461 §3.1",
        "Field given twice",
        "RFC 8461 §3.1 does not say which occurrence counts, and implementations differ (some use the first, some the last), so senders can disagree about this record.",
        "Keep one occurrence of each field.";
    StsIdMissing => "sts.id.missing", Error, "RFC 8461 §3.1",
        "No id field",
        "The id tells senders when the policy changed; a record without \"id=\" is invalid.",
        "Add \"id=\" with 1 to 32 letters or digits, for example a timestamp such as 20260101000000.";
    StsIdInvalid => "sts.id.invalid", Error, "RFC 8461 §3.1",
        "Invalid id",
        "The id is 1 to 32 letters or digits (%s\"id=\" 1*32(ALPHA / DIGIT)); hyphens, dots and other characters are not allowed.",
        "Use only letters and digits, for example a timestamp such as 20260101000000.";
    StsIdTooLong => "sts.id.too_long", Error, "RFC 8461 §3.1",
        "id longer than 32 characters",
        "The id is limited to 32 letters or digits.",
        "Shorten the id; a timestamp such as 20260101000000 is enough.";
    StsCname => "sts.cname", Info, "RFC 8461 §8.2",
        "Record delegated by CNAME",
        "_mta-sts.<domain> is a CNAME; senders follow it. This is how MTA-STS is delegated to a hosting provider.",
        "Nothing to fix; make sure the provider keeps the id in step with the policy.";
    StsOrphanTxt => "sts.orphan_txt", Error, "RFC 8461 §3.3",
        "TXT record without a policy",
        "The TXT record announces a policy but the policy cannot be fetched. Senders treat the domain as having no policy, or keep applying an old cached one until it expires.",
        "Serve the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt, or remove the TXT record.";
    PolicyOrphan => "policy.orphan", Error, "RFC 8461 §3.1",
        "Policy without a TXT record",
        "A policy is served but no _mta-sts TXT record announces it. New senders never fetch it; senders that cached it keep applying it and cannot learn about changes.",
        "Publish \"v=STSv1; id=<id>\" at _mta-sts.<domain>, or withdraw the policy with mode: none first.";
    PolicyTooLarge => "policy.size.too_large", Error, "RFC 8461 §3.3",
        "Policy larger than 64 KiB",
        "Senders are advised to limit policy bodies to 64 KiB and treat larger ones as a fetch failure.",
        "Keep the policy small: it needs only version, mode, mx and max_age lines.";
    PolicyBom => "policy.bom", Error, "RFC 8461 §3.2",
        "Byte order mark at the start",
        "Windows editors may save UTF-8 with a byte order mark. Parsers that do not strip it see an invisible U+FEFF character glued to \"version\", find no version field, and reject the policy.",
        "Save the file as UTF-8 without BOM (or plain ASCII).";
    PolicyNotUtf8 => "policy.encoding.not_utf8", Error, "RFC 8461 §3.2",
        "Not UTF-8",
        "The policy is text in UTF-8; a byte sequence that is not UTF-8 makes strict parsers reject it.",
        "Save the file as UTF-8 (plain ASCII is best).";
    PolicyEmpty => "policy.empty", Error, "RFC 8461 §3.2",
        "Empty policy",
        "The policy file has no content.",
        "Serve the policy: version, mode, mx and max_age lines.";
    PolicyCrLineEnding => "policy.line.cr_only", Error, "RFC 8461 §3.2",
        "Lines end in a bare CR",
        "Lines end in LF or CRLF (\"sts-policy-term = LF / CRLF\"). Senders differ on bare CR line ends: parsers that follow the grammar see the whole file as one line and discard the policy, so for them the domain has no policy; postfix-mta-sts-resolver splits on CR and reads it (checked in the interop suite), and Postfix then enforces it.",
        "Save the file with LF or CRLF line ends.";
    PolicyMixedLineEndings => "policy.line.mixed_endings", Info, "RFC 8461 §3.2",
        "Mixed line ends",
        "Some lines end in CRLF and others in LF. The grammar allows either on each line, so this is harmless, but usually a sign of editing on different systems.",
        "Use one style; CRLF is what the RFC's text describes.";
    PolicyVersionMissing => "policy.version.missing", Error, "RFC 8461 §3.2",
        "No version line",
        "\"version: STSv1\" is required.",
        "Add \"version: STSv1\" as the first line.";
    PolicyModeMissing => "policy.mode.missing", Error, "RFC 8461 §3.2",
        "No mode line",
        "\"mode\" is required: enforce, testing or none.",
        "Add \"mode: testing\" (or enforce once reports are clean).";
    PolicyMaxAgeMissing => "policy.max_age.missing", Error, "RFC 8461 §3.2",
        "No max_age line",
        "\"max_age\" is required: how long senders may cache the policy, in seconds.",
        "Add \"max_age: 604800\" (one week) or longer.";
    PolicyMxMissing => "policy.mx.missing", Error, "RFC 8461 §3.2",
        "No mx line",
        "In modes enforce and testing at least one \"mx\" line is required; it lists the MX hosts senders may deliver to.",
        "Add one \"mx:\" line per MX host (or a *.<domain> pattern).";
    PolicyMxInvalid => "policy.mx.invalid", Error, "RFC 8461 §3.2",
        "Invalid mx pattern",
        "mx values are a host name, optionally starting with \"*.\", made of letters, digits and hyphens. An invalid line makes the whole policy invalid.",
        "Write the MX host name exactly as in your MX record.";
    PolicyMxIpLiteral => "policy.mx.ip_literal", Error, "RFC 8461 §3.2",
        "IP address as mx",
        "mx patterns match MX host names, never addresses, and are validated against certificate names.",
        "Use the host name your MX record points to.";
    PolicyMxWildcard => "policy.mx.wildcard", Error, "RFC 8461 §3.2",
        "Misplaced wildcard",
        "\"*\" is allowed only as the whole left-most label (\"*.example.com\"); \"mail*.example.com\" or \"a.*.example.com\" are invalid.",
        "Use \"*.example.com\" or list each host.";
    PolicyMxULabel => "policy.mx.u_label", Error, "RFC 8461 §3.2",
        "Unicode host name in mx",
        "Internationalised names must be written as A-labels (xn--…) in the policy.",
        "Convert the name to its xn-- form.";
    PolicyMxTrailingDot => "policy.mx.trailing_dot", Error, "RFC 8461 §3.2",
        "mx ends with a dot",
        "The grammar's Domain has no trailing dot. Parsers that follow it reject the whole policy, so for those senders the domain has no policy at all. postfix-mta-sts-resolver keeps the value with its dot and Postfix matches no MX host against it, so in mode enforce its mail bounces (checked with the real resolver and posttls-finger in the interop suite). Either way this is an error.",
        "Remove the trailing dot.";
    PolicyBlankLine => "policy.line.blank", Error, "RFC 8461 §3.2",
        "Blank line",
        "The grammar has no blank lines (only one line end after the last field). Senders differ: parsers that follow the grammar reject the whole policy for one blank line, a trailing one included, so for them the domain has no policy; postfix-mta-sts-resolver skips the line and applies the rest (checked in the interop suite), and Postfix then enforces it. The strictest widely used sender decides, so this is an error.",
        "Remove every blank line, including any after the last field.";
    PolicyControlChar => "policy.line.control_char", Error, "RFC 8461 §3.2",
        "Control character",
        "A line contains a control character other than tab, which no field allows.",
        "Remove the control character.";
    PolicyLeadingWhitespace => "policy.line.leading_whitespace", Error, "RFC 8461 §3.2",
        "White space before a field name",
        "Field names start at the beginning of a line; \" mode: enforce\" does not match the grammar, and strict senders reject the policy.",
        "Remove the indentation.";
    PolicyTrailingWhitespace => "policy.line.trailing_whitespace", Warning, "RFC 8461 §3.2",
        "Trailing white space",
        "The grammar allows white space at the end of a line, but parsers that do not trim it read \"enforce \" instead of \"enforce\".",
        "Remove trailing spaces and tabs.";
    PolicyLineSyntax => "policy.line.syntax", Error, "RFC 8461 §3.2",
        "Line is not \"key: value\"",
        "Every line is a field name, a colon and a value.",
        "Fix or remove the line.";
    PolicySpaceBeforeColon => "policy.line.space_before_colon", Error, "RFC 8461 §3.2",
        "Space before \":\"",
        "\"mode : enforce\" does not match the grammar (the field name is followed directly by \":\").",
        "Write \"mode: enforce\".";
    PolicyFieldName => "policy.field.name", Error, "RFC 8461 §3.2",
        "Invalid field name",
        "Field names are a letter or digit followed by up to 31 letters, digits, \"_\", \"-\" or \".\".",
        "Fix or remove the line.";
    PolicyFieldCase => "policy.field.case", Error, "RFC 8461 §3.2",
        "Field name in the wrong case",
        "Field names are case-sensitive (%s strings in the RFC 8461 §3.2 grammar): to a sender that follows it, \"Mode:\" is an unknown field, so the real field is missing.",
        "Write the field name in lower case.";
    PolicyVersionInvalid => "policy.version.invalid", Error, "RFC 8461 §3.2",
        "Wrong version",
        "The only version is \"STSv1\" (case-sensitive).",
        "Write \"version: STSv1\".";
    PolicyModeInvalid => "policy.mode.invalid", Error, "RFC 8461 §5",
        "Invalid mode",
        "mode is exactly \"enforce\", \"testing\" or \"none\" (lower case).",
        "Write one of the three modes in lower case.";
    PolicyMaxAgeInvalid => "policy.max_age.invalid", Error, "RFC 8461 §3.2",
        "Invalid max_age",
        "max_age is 1 to 10 digits: a whole number of seconds.",
        "Write a number of seconds, e.g. 604800 for one week.";
    PolicyMaxAgeOutOfRange => "policy.max_age.out_of_range", Error, "RFC 8461 §3.2",
        "max_age above one year",
        "The maximum value is 31557600 seconds (one year).",
        "Use at most 31557600.";
    PolicyUnknownField => "policy.field.unknown", Info, "RFC 8461 §3.2",
        "Unknown field",
        "Fields the RFC does not define are ignored by senders (RFC 8461 §3.2 allows extensions).",
        "Remove the line if it is not needed.";
    PolicyFieldMisspelt => "policy.field.misspelt", Warning, "RFC 8461 §3.2",
        "Misspelt field",
        "The name is close to a field RFC 8461 defines but is not it, so senders ignore the line as an unknown field and what it meant to say is silently lost (an mx host not allowed, a max_age not applied).",
        "Write the field's exact name: version, mode, max_age or mx (lower case, with an underscore in max_age).";
    PolicyDuplicateField => "policy.field.duplicate", Warning, "RFC 8461 §3.2",
        "Field given twice with different values",
        "RFC 8461 §3.2: of a field given more than once (mx excepted), \"all entries except for the first SHALL be ignored\". Implementations differ here: some keep the last value instead, so senders can disagree about this field.",
        "Keep only one line for version, mode and max_age, with the value you mean.";
    PolicyReadDifferently => "policy.read_differently", Warning, "RFC 8461 §3.2",
        "Some senders read this policy differently",
        "Senders differ, and both readings are in use. Strict senders follow the grammar of RFC 8461 and discard a policy with a blank line, a trailing dot on mx or CR-only line ends, and keep the first of a repeated field. postfix-mta-sts-resolver, the MTA-STS policy source Postfix senders use, reads such a policy anyway, keeps the last of a repeated field, accepts a TXT id of any characters, and needs ASCII text unless a charset is declared. Postfix then enforces what it applies in mode enforce. So the same policy can protect nothing for some senders and bounce mail for others. Checked against the real resolver (Debian's and PyPI's builds) in the interop suite.",
        "Publish one reading only: fix every error and warning of the policy and the TXT record (no repeated fields), then change the TXT id.";
    PolicyDuplicateSame => "policy.field.duplicate_same", Info, "RFC 8461 §3.2",
        "Field repeated with the same value",
        "The field appears again with the same value: whichever one a sender keeps, the meaning is the same.",
        "Remove the repeated line.";
    PolicyExtensionValue => "policy.extension.value", Error, "RFC 8461 §3.2",
        "Invalid extension value",
        "Extension values are UTF-8 text without control characters and without leading or trailing spaces, and not empty.",
        "Fix or remove the line.";
    PolicyMxDuplicate => "policy.mx.duplicate", Info, "RFC 8461 §3.2",
        "mx listed twice",
        "The same pattern appears more than once (matching ignores case and the trailing dot).",
        "Remove the duplicate.";
    PolicyMxRedundant => "policy.mx.redundant", Info, "RFC 8461 §4.1",
        "mx already covered by a wildcard",
        "A host name is also matched by a \"*.\" pattern in the policy, so one of the lines is unnecessary.",
        "Remove the redundant line, or replace the wildcard with explicit names.";
    PolicyMxTooBroad => "policy.mx.too_broad", Warning, "RFC 8461 §4.1",
        "Overly broad mx pattern",
        "A pattern like \"*.com\" accepts any host directly under a top-level domain with a valid certificate as your MX, which defeats the policy.",
        "List your real MX host names, or a wildcard under your own domain.";
    PolicyModeTesting => "policy.mode.testing", Info, "RFC 8461 §5",
        "Testing mode",
        "Senders report TLS failures (via TLS-RPT) but still deliver when TLS fails, so there is no protection against downgrade yet.",
        "Watch the TLS-RPT reports; when they are clean, switch to mode: enforce and change the TXT id.";
    PolicyModeNone => "policy.mode.none", Info, "RFC 8461 §5",
        "Mode none",
        "Senders treat the domain as having no active policy. This is how a policy is withdrawn.",
        "Keep serving it until the previous policy's max_age has passed, then remove the TXT record and the policy.";
    PolicyMaxAgeShort => "policy.max_age.short", Warning, "RFC 8461 §3.2",
        "max_age under a day",
        "Senders forget the policy after max_age; a short value lets an attacker who can block the policy fetch downgrade mail soon after.",
        "Use at least 86400 (a day) while testing and 604800 (a week) or more when enforcing.";
    PolicyMaxAgeEnforceShort => "policy.max_age.enforce_short", Info, "RFC 8461 §3.2",
        "Short max_age for an enforced policy",
        "The RFC recommends \"weeks or greater\" once enforced.",
        "Raise max_age to 604800 (a week) or more, e.g. 1209600 or 31557600.";
    FetchHostMissing => "policy_fetch.host_missing", Error, "RFC 8461 §3.3",
        "Policy host does not resolve",
        "mta-sts.<domain> has no address records, so senders cannot fetch the policy.",
        "Publish an A/AAAA (or CNAME) record for mta-sts.<domain> pointing at a web server with a valid certificate.";
    FetchDns => "policy_fetch.dns", Error, "RFC 8461 §3.3",
        "Policy host lookup failed",
        "mta-sts.<domain> could not be resolved (SERVFAIL, timeout or similar).",
        "Check the DNS records for mta-sts.<domain>.";
    FetchRefused => "policy_fetch.refused", Error, "RFC 8461 §3.3",
        "Policy host refused by the checker",
        "The policy host resolves to an address that is not reachable from the internet (private, loopback, link-local …), so senders cannot reach it either.",
        "Point mta-sts.<domain> at a public web server.";
    FetchConnect => "policy_fetch.connect", Error, "RFC 8461 §3.3",
        "Cannot connect to the policy host",
        "No HTTPS connection could be made to mta-sts.<domain> on port 443.",
        "Make sure a web server listens on port 443 for mta-sts.<domain> and is reachable from the internet.";
    FetchTimeout => "policy_fetch.timeout", Error, "RFC 8461 §3.3",
        "Policy fetch timed out",
        "The policy host did not answer within this checker's time limit. RFC 8461 fixes no timeout and senders' timeouts differ (Debian's postfix-mta-sts-resolver gives up after 4 seconds), so a host this slow fails for some of them.",
        "Keep the policy file you serve, and make its host answer within a few seconds: look for what delays https://mta-sts.<domain>/.well-known/mta-sts.txt (a firewall dropping packets, an overloaded or sleeping backend, a slow TLS handshake).";
    FetchSlow => "policy_fetch.slow", Error, "RFC 8461 §3.3",
        "Policy fetch slower than senders wait",
        "The policy arrived, but it took longer than Debian's postfix-mta-sts-resolver waits for it (4 seconds for the whole fetch, its default): that sender gives up, treats the domain as having no policy (or keeps an old cached one), and delivers without MTA-STS. The time is measured from this checker, so a sender elsewhere may see it a little faster or slower.",
        "Keep the policy file you serve, and make its host answer within a second or two: look for what delays https://mta-sts.<domain>/.well-known/mta-sts.txt (a slow DNS answer for mta-sts.<domain>, a firewall dropping packets, an overloaded or sleeping backend, a slow TLS handshake).";
    FetchProtocol => "policy_fetch.protocol", Error, "RFC 8461 §3.3",
        "Not an HTTP answer",
        "The server did not answer with a valid HTTP response.",
        "Check the web server configuration for mta-sts.<domain>.";
    FetchCertExpired => "policy_fetch.cert_expired", Error, "RFC 8461 §3.3",
        "Policy host certificate expired",
        "Senders fetch the policy only over HTTPS with a valid certificate; an expired one means no policy.",
        "Renew the certificate of mta-sts.<domain> (and automate renewal).";
    FetchCertNotYetValid => "policy_fetch.cert_not_yet_valid", Error, "RFC 8461 §3.3",
        "Policy host certificate not yet valid",
        "The certificate's validity starts in the future (or the server clock is wrong).",
        "Check the certificate and the server clock.";
    FetchCertName => "policy_fetch.cert_name", Error, "RFC 8461 §3.3",
        "Certificate not valid for the policy host",
        "The certificate must carry mta-sts.<domain> (or a wildcard covering it) as a DNS name. A certificate for the bare domain or www does not count.",
        "Issue a certificate that includes mta-sts.<domain>.";
    FetchCertUntrusted => "policy_fetch.cert_untrusted", Error, "RFC 8461 §3.3",
        "Policy host certificate not trusted",
        "Self-signed, issued by an unknown CA, or sent without its intermediate certificates.",
        "Use a certificate from a public CA and serve the full chain.";
    FetchTlsVersion => "policy_fetch.tls_version", Error, "RFC 8461 §3.3",
        "Outdated TLS on the policy host",
        "Only TLS versions older than 1.2 were offered. RFC 8461 §3.3 requires TLS 1.2 or newer for the policy fetch, and current TLS libraries (OpenSSL 3 as Debian ships it, rustls) refuse older versions by default.",
        "Enable TLS 1.2 and 1.3 on the web server.";
    FetchTlsCbcOnly => "policy_fetch.tls_cbc_only", Warning, "RFC 9325 §4.2",
        "Policy host offers only legacy cipher suites",
        "In short: some senders can fetch the policy, others cannot. The policy host's HTTPS works only with old-style cipher suites (CBC encryption, RSA key exchange or DHE) that current TLS libraries leave out. TLS 1.2 with such a suite satisfies RFC 8461, and clients on OpenSSL's default suites connect, among them postfix-mta-sts-resolver on Debian's python3 (which Debian builds to use OpenSSL's list). But the current TLS recommendations (BCP 195, RFC 9325 §4.2) ask for ECDHE with AEAD suites (AES-GCM, ChaCha20-Poly1305): rustls has no others, and Python's own default list (3.10 and later, what a Python built from source with default options uses) has no SHA-1 MAC and no RSA key exchange suites, so an MTA-STS resolver on such a Python gets no policy (both builds are run by the interop suite).",
        "Enable TLS 1.3 and the ECDHE AES-GCM or ChaCha20-Poly1305 suites for TLS 1.2.";
    FetchTlsHandshake => "policy_fetch.tls_handshake", Error, "RFC 8461 §3.3",
        "TLS handshake with the policy host failed",
        "The HTTPS handshake did not complete.",
        "Check the web server's TLS configuration for mta-sts.<domain> (SNI, ciphers, certificate).";
    FetchCertExpiring => "policy_fetch.cert_expiring", Warning, "RFC 8461 §3.3",
        "Policy host certificate expires soon",
        "The certificate expires within 14 days.",
        "Renew it now, and automate renewal.";
    FetchRedirect => "policy_fetch.redirect", Error, "RFC 8461 §3.3",
        "Redirect instead of the policy",
        "\"HTTP 3xx redirects MUST NOT be followed\": senders treat a redirect as a failed fetch.",
        "Serve the policy directly at https://mta-sts.<domain>/.well-known/mta-sts.txt (exempt that path from HTTPS or www redirects).";
    FetchStatus => "policy_fetch.status", Error, "RFC 8461 §3.3",
        "HTTP status is not 200",
        "Senders accept the policy only with status 200.",
        "Serve the policy file at /.well-known/mta-sts.txt with status 200.";
    FetchContentType => "policy_fetch.content_type", Error, "RFC 8461 §3.2",
        "Wrong media type",
        "The policy is served as text/plain; some senders refuse other media types such as text/html or application/octet-stream.",
        "Configure the web server to send \"Content-Type: text/plain\" for mta-sts.txt.";
    FetchContentEncoding => "policy_fetch.content_encoding", Warning, "RFC 9110 §8.4",
        "Policy sent compressed, unasked",
        "The request asked for no compression, yet the server sent the policy with Content-Encoding gzip or deflate. The common MTA-STS resolvers decode it and read the policy, which is how it was judged here; a sender whose HTTP client does not decode it reads binary data and finds no policy.",
        "Serve /.well-known/mta-sts.txt uncompressed (nginx: gzip off, and no gzip_static, for that location).";
    FetchContentEncodingUnreadable => "policy_fetch.content_encoding_unreadable", Error, "RFC 9110 §8.4",
        "Policy in an encoding senders cannot read",
        "The policy was sent with a Content-Encoding that could not be decoded (an unknown coding such as br, or damaged gzip data), so senders get no policy.",
        "Serve /.well-known/mta-sts.txt uncompressed, as text/plain.";
    FetchCharset => "policy_fetch.charset", Warning, "RFC 8461 §3.2",
        "Unexpected charset",
        "The policy is read as UTF-8; another declared charset may confuse senders.",
        "Send \"text/plain\" or \"text/plain; charset=utf-8\".";
    FetchNotDeployed => "policy_fetch.not_deployed", Info, "RFC 8461 §3.3",
        "No policy published",
        "There is no TXT record and no policy: the domain has not deployed MTA-STS.",
        "To deploy, start with a TLS-RPT record and a policy in testing mode (the Generator tool on the page, or mtasts generate).";
    FetchLimited => "policy_fetch.limited", Info, "RFC 8461 §3.3",
        "Certificate and redirects not tested",
        "The policy was fetched through a plain pass-through proxy, which hides certificates and redirects.",
        "Use the checker's own proxy for a complete check.";
    MxNull => "mx.null", Info, "RFC 7505 §3",
        "Null MX",
        "The domain declares that it accepts no mail, so MTA-STS has nothing to protect.",
        "Nothing to fix if the domain should not receive mail.";
    MxNullMixed => "mx.null_mixed", Error, "RFC 7505 §3",
        "Null MX mixed with other MX records",
        "A null MX must be the only MX record of a domain.",
        "Remove either the null MX or the other MX records.";
    MxListUnreadable => "mx.list_unreadable", Error, "RFC 1035 §3.3.9",
        "MX line not understood",
        "A line of a pasted MX list is neither \"PREFERENCE HOST\", a bare host name, nor a zone-file or dig MX line.",
        "Write one MX per line, e.g. \"10 mx1.example.com\", or paste the output of \"dig +short MX example.com\".";
    MxImplicit => "mx.implicit", Info, "RFC 5321 §5.1",
        "No MX records",
        "Without MX records, senders deliver to the domain's own address, so that name is the MX host the policy must cover.",
        "Publish MX records, or make sure the policy covers the domain name itself.";
    MxUncovered => "mx.uncovered", Error, "RFC 8461 §4.1",
        "MX not covered by the enforced policy",
        "Senders applying an enforced policy will not deliver to an MX host that no mx pattern matches: mail to it fails.",
        "Add an \"mx:\" line for this host (or a *.<domain> pattern that covers it), and change the TXT id.";
    MxUncoveredLenient => "mx.uncovered_lenient", Error, "RFC 8461 §4.1",
        "MX not matched as some senders read the policy",
        "postfix-mta-sts-resolver, the MTA-STS policy source Postfix senders use, reads this policy and hands Postfix its mx values as written; Postfix enforces them (\"secure match=\") and does not match this host, so its mail to it bounces. The usual cause is a trailing dot (\"mx: mx.example.com.\"): Postfix compares it with the host name as written, dot included. Checked against the real resolver and Postfix's posttls-finger in the interop suite.",
        "Write every mx value exactly as the grammar has it: the host name or *.domain, with no trailing dot, and change the TXT id.";
    MxUncoveredTesting => "mx.uncovered_testing", Warning, "RFC 8461 §4.1",
        "MX not covered by the policy",
        "In testing mode this only produces failure reports, but enforcing would stop delivery to this host.",
        "Add an \"mx:\" line for this host before switching to enforce.";
    MxPatternUnused => "mx.pattern_unused", Info, "RFC 8461 §4.1",
        "mx pattern matches no MX host",
        "A pattern in the policy matches none of the current MX records: a leftover or a typo.",
        "Remove it, or fix the spelling.";
    MxTlsNoStarttls => "mx_tls.no_starttls", Error, "RFC 8461 §4.2",
        "STARTTLS not offered",
        "With an enforced policy, senders will not deliver to an MX host without STARTTLS.",
        "Enable STARTTLS on the mail server with a valid certificate.";
    MxTlsCertExpired => "mx_tls.cert_expired", Error, "RFC 8461 §4.2",
        "MX certificate expired",
        "The MX presents an expired certificate; with an enforced policy, senders refuse to deliver.",
        "Renew the certificate (and automate renewal).";
    MxTlsCertNotYetValid => "mx_tls.cert_not_yet_valid", Error, "RFC 8461 §4.2",
        "MX certificate not yet valid",
        "The certificate's validity starts in the future, or the server clock is wrong.",
        "Check the certificate and the clock.";
    MxTlsCertName => "mx_tls.cert_name", Error, "RFC 8461 §4.2",
        "MX certificate does not match its name",
        "The certificate must carry the MX host name as a DNS name (a wildcard only as the whole left-most label).",
        "Issue a certificate for the MX host name.";
    MxTlsCertUntrusted => "mx_tls.cert_untrusted", Error, "RFC 8461 §4.2",
        "MX certificate not trusted",
        "Self-signed, from an unknown CA, or missing intermediates. MTA-STS requires a publicly trusted certificate.",
        "Use a certificate from a public CA and serve the full chain.";
    MxTlsVersion => "mx_tls.tls_version", Error, "RFC 8461 §4.2",
        "Outdated TLS on the MX",
        "RFC 8461 §4.2 requires TLS 1.2 or newer. Postfix on Debian's OpenSSL 3 refuses a TLS 1.0-only MX at the level MTA-STS maps to (checked with posttls-finger -l secure).",
        "Enable TLS 1.2 and 1.3 on the mail server.";
    MxTlsCbcOnly => "mx_tls.cbc_only", Warning, "RFC 9325 §4.2",
        "MX offers only legacy cipher suites",
        "In short: some senders deliver, others cannot. The MX host's STARTTLS works only with old-style cipher suites (CBC encryption, RSA key exchange or DHE) that current TLS libraries leave out. TLS 1.2 with such a suite satisfies RFC 8461 §4.2, and senders on OpenSSL's default suites deliver (checked with Postfix's posttls-finger at the level MTA-STS maps to, \"-l secure\", against Postfix and Exim MX hosts). But the current TLS recommendations (BCP 195, RFC 9325 §4.2) ask for ECDHE with AEAD suites (AES-GCM, ChaCha20-Poly1305), and senders whose TLS library has no others (rustls, for one) cannot connect; under an enforced policy their mail bounces.",
        "Enable TLS 1.3 and the ECDHE AES-GCM or ChaCha20-Poly1305 suites for TLS 1.2. Postfix: keep smtpd_tls_ciphers at its default (medium) and remove any tls_medium_cipherlist or smtpd_tls_exclude_ciphers that leaves only CBC suites; Exim: tls_require_ciphers.";
    MxTlsHandshake => "mx_tls.tls_handshake", Error, "RFC 8461 §4.2",
        "TLS handshake with the MX failed",
        "STARTTLS was offered but the handshake did not complete.",
        "Check the mail server's TLS configuration.";
    MxTlsCertExpiring => "mx_tls.cert_expiring", Warning, "RFC 8461 §4.2",
        "MX certificate expires soon",
        "The certificate expires within 14 days.",
        "Renew it now, and automate renewal.";
    MxTlsNotProbed => "mx_tls.not_probed", Warning, "RFC 8461 §4.2",
        "MX host not probed",
        "The checker probes at most 10 MX hosts of a domain, and at most 4 addresses of each; this host or address was not tested, so the verdict cannot vouch for it: it is counted as not confirmed, never as passing.",
        "Check the host by hand (e.g. posttls-finger -l secure, or openssl s_client -starttls smtp), or reduce the MX set.";
    MxTlsDns => "mx_tls.dns", Warning, "RFC 5321 §5.1",
        "Cannot confirm the MX: no address",
        "The MX record points to a name without addresses. Senders skip such a host and try the next MX (RFC 5321 §5.1); none reaches it, with MTA-STS or without, so it is not an MTA-STS failure, and its STARTTLS cannot be checked. Like a host that refuses connections, it is counted as not confirmed, never as passing.",
        "Fix the MX record, or publish the host's A/AAAA records; remove the MX record if the host is gone.";
    MxTlsRefused => "mx_tls.refused", Error, "RFC 8461 §4.2",
        "MX host refused by the checker",
        "The MX host resolves to an address that is not reachable from the internet (private, loopback …), so senders cannot reach it either.",
        "Point the MX at a public address.";
    MxTlsUnreachable => "mx_tls.unreachable", Warning, "RFC 5321 §5.1",
        "Cannot confirm the MX: no connection",
        "No TCP connection could be made on port 25 (refused, or no answer before the time limit). This may be the server, a firewall, or the checker's own network (many hosting networks block outgoing port 25), so the host is counted as not confirmed, never as passing.",
        "Check that the server accepts connections on port 25 from the internet, then check again; or test it from another network with posttls-finger -l secure.";
    MxTlsNoGreeting => "mx_tls.no_greeting", Warning, "RFC 5321 §4.3.1",
        "Cannot confirm the MX: no greeting",
        "The host accepted the TCP connection on port 25 but sent no SMTP greeting (220 banner) before the time limit. Overloaded servers, tarpits and filters that delay or drop unknown clients do this; senders may see the same. The host is counted as not confirmed, never as passing.",
        "Check that the mail server itself is running and greets promptly (a filter or load balancer in front of it may hold connections open), then check again.";
    MxTlsClosed => "mx_tls.closed", Warning, "RFC 5321 §4.3.1",
        "Cannot confirm the MX: closed early",
        "The host ended the SMTP session before STARTTLS completed (it closed the connection, or stopped answering). Servers that drop clients by address or reputation do this; the host is counted as not confirmed, never as passing.",
        "Check the mail server's logs for the checker's connection and any client restrictions, then check again.";
    MxTlsProtocol => "mx_tls.protocol", Error, "RFC 5321 §4.2",
        "SMTP conversation failed",
        "The server answered with something that is not SMTP, or refused the session (a greeting other than 220, or EHLO refused).",
        "Check that port 25 is served by the mail server, and that it greets with 220 and accepts EHLO.";
    TlsrptNone => "tlsrpt.record.none", Error, "RFC 8460 §3",
        "No TLS-RPT record",
        "There is no TXT record beginning with \"v=TLSRPTv1\" at _smtp._tls.<domain>.",
        "Publish \"v=TLSRPTv1; rua=mailto:<address>\" at _smtp._tls.<domain>.";
    TlsrptAbsent => "tlsrpt.absent", Warning, "RFC 8460 §3",
        "No TLS-RPT record",
        "Without TLS-RPT you do not learn when senders fail to deliver over TLS: before enforcing you cannot tell whether it is safe, and once enforced you do not hear of the mail it stops.",
        "Publish \"v=TLSRPTv1; rua=mailto:<address>\" at _smtp._tls.<domain>.";
    TlsrptMultiple => "tlsrpt.record.multiple", Error, "RFC 8460 §3",
        "More than one TLS-RPT record",
        "\"If the number of resulting records is not one, senders MUST assume the recipient domain does not implement TLSRPT.\"",
        "Merge them into one record (rua= takes a comma-separated list).";
    TlsrptDiscarded => "tlsrpt.record.discarded", Info, "RFC 8460 §3",
        "Other TXT record ignored",
        "A record at _smtp._tls that does not begin with \"v=TLSRPTv1\" is discarded. Found there alone, an SPF or verification record is usually the answer of a wildcard TXT record (*.<domain>), not a record published at that name.",
        "Remove unrelated TXT records from _smtp._tls.<domain>; one from a wildcard disappears once the name has a record of its own (the v=TLSRPTv1 record).";
    TlsrptVersionCase => "tlsrpt.version.case", Error, "RFC 8460 §3",
        "Wrong case in \"v=TLSRPTv1\"",
        "The version is case-sensitive; the record is discarded.",
        "Write exactly \"v=TLSRPTv1\".";
    TlsrptVersionSpace => "tlsrpt.version.space_before_delimiter", Warning, "RFC 8460 §3",
        "Space before the first \";\"",
        "The grammar allows it, but senders looking for the literal prefix \"v=TLSRPTv1;\" discard the record.",
        "Write \"v=TLSRPTv1;\" with no space before the semicolon.";
    TlsrptNonAscii => "tlsrpt.record.non_ascii", Error, "RFC 8460 §3",
        "Non-ASCII character",
        "The record is US-ASCII; non-ASCII in URIs must be percent-encoded.",
        "Remove or percent-encode the character.";
    TlsrptEmptyField => "tlsrpt.field.empty", Error, "RFC 8460 §3",
        "Empty field (\";;\")",
        "The grammar requires a field after every \";\" except an optional final one.",
        "Remove the extra \";\".";
    TlsrptTrailingWhitespace => "tlsrpt.record.trailing_whitespace", Error, "RFC 8460 §3",
        "White space after the last field",
        "Only a trailing \";\" may be followed by white space.",
        "Remove the trailing space, or end the record with \";\".";
    TlsrptLeadingWhitespace => "tlsrpt.record.leading_whitespace", Error, "RFC 8460 §3",
        "White space before \"v=TLSRPTv1\"",
        "The record must begin with \"v=TLSRPTv1\".",
        "Remove the leading white space.";
    TlsrptSyntax => "tlsrpt.field.syntax", Error, "RFC 8460 §3",
        "Malformed field",
        "A field is not of the form name=value or has white space around \"=\".",
        "Write each field as name=value, separated by \"; \".";
    TlsrptExtensionName => "tlsrpt.extension.name", Error, "RFC 8460 §3",
        "Invalid field name",
        "Field names are a letter or digit followed by up to 31 letters, digits, \"_\", \"-\" or \".\".",
        "Fix or remove the field.";
    TlsrptExtensionValue => "tlsrpt.extension.value", Error, "RFC 8460 §3",
        "Invalid field value",
        "Extension values are printable ASCII without \"=\", \";\" or spaces, and not empty.",
        "Fix or remove the field.";
    TlsrptRuaUnreachable => "tlsrpt.rua.unreachable", Error, "RFC 8460 §3",
        "Report endpoint unusable",
        "An https: destination of the TLS-RPT record cannot receive reports: its host does not resolve, resolves to an address reporters cannot reach, or does not answer over TLS with a valid certificate for its name (RFC 8460 §3 requires one). Reports posted there are lost. (The checker asks it with HEAD; it never sends a report.)",
        "Fix the endpoint (DNS, certificate), or point rua= at a working address.";
    TlsrptRuaUnconfirmed => "tlsrpt.rua.unconfirmed", Warning, "RFC 8460 §3",
        "Report destination not confirmed",
        "A destination of the TLS-RPT record could not be checked this time (no connection, no answer in time, a DNS failure): whether reports arrive there is not known.",
        "Check again; make sure the endpoint or the mail domain answers.";
    TlsrptRuaNoMail => "tlsrpt.rua.no_mail", Error, "RFC 8460 §3",
        "Report address accepts no mail",
        "A mailto: destination of the TLS-RPT record is at a domain that does not exist, publishes a null MX, or has neither MX records nor an address: reports sent there bounce.",
        "Use an address at a domain that receives mail.";
    TlsrptRuaNotChecked => "tlsrpt.rua.not_checked", Info, "RFC 8460 §3",
        "Report destination not checked",
        "This destination was not checked: the checker asks https: endpoints only on port 443 and checks at most 5 destinations, and a plain pass-through proxy checks none.",
        "Nothing, or check it by hand.";
    TlsrptDraftName => "tlsrpt.draft_name", Error, "RFC 8460 §3",
        "TLS-RPT record at a draft-era name",
        "A TLS-RPT record is published at _smtp-tlsrpt.<domain>, the name early drafts of RFC 8460 used. Senders look only at _smtp._tls.<domain>, so they send no reports.",
        "Publish the same record at _smtp._tls.<domain> (and remove the old one).";
    TlsrptDuplicateField => "tlsrpt.field.duplicate", Warning, "RFC 8460 §3",
        "Field given twice",
        "RFC 8460 §3 does not say which occurrence counts, and implementations differ, so reporters may disagree about where reports go. To send reports to several places, list the URIs in one rua= separated by commas.",
        "Merge into one rua= field.";
    TlsrptRuaMissing => "tlsrpt.rua.missing", Error, "RFC 8460 §3",
        "No rua field",
        "rua= is required: where reports are sent.",
        "Add \"rua=mailto:<address>\" or \"rua=https://<host>/<path>\".";
    TlsrptRuaEmpty => "tlsrpt.rua.empty", Error, "RFC 8460 §3",
        "Empty URI in rua",
        "Two commas in a row, or a comma at the end, leave an empty URI, which the grammar does not allow.",
        "Remove the extra comma.";
    TlsrptRuaScheme => "tlsrpt.rua.scheme", Warning, "RFC 8460 §3",
        "Unsupported URI scheme",
        "Reports are delivered by e-mail (mailto:) or HTTPS POST (https:); senders ignore other URIs.",
        "Use mailto: or https:.";
    TlsrptRuaNoneUsable => "tlsrpt.rua.none_usable", Error, "RFC 8460 §3",
        "No usable report address",
        "None of the rua= URIs is a valid mailto: or https: URI, so no report can be delivered.",
        "Give at least one valid mailto: or https: URI.";
    TlsrptRuaUnencoded => "tlsrpt.rua.unencoded", Error, "RFC 8460 §3",
        "Unencoded \"!\" in a URI",
        "Commas, exclamation points and semicolons in a URI must be percent-encoded. DMARC-style size limits (\"!10m\") do not exist in TLS-RPT.",
        "Remove the \"!…\" suffix or write it as %21.";
    TlsrptRuaInvalid => "tlsrpt.rua.invalid", Error, "RFC 8460 §3",
        "Malformed URI",
        "The URI contains characters a URI cannot contain (such as spaces or quotes) or a broken percent-encoding.",
        "Fix the URI.";
    TlsrptRuaMailto => "tlsrpt.rua.mailto", Error, "RFC 8460 §3",
        "Invalid mailto URI",
        "A mailto: URI needs a full address: mailto:local@domain.",
        "Write mailto:tlsrpt@example.com.";
    TlsrptRuaHttps => "tlsrpt.rua.https", Error, "RFC 8460 §3",
        "Invalid https URI",
        "An https: URI needs a host: https://host/path.",
        "Write https://reports.example.com/tlsrpt.";
    ReportGzip => "report.gzip", Error, "RFC 8460 §5.3",
        "Damaged gzip data",
        "The file starts like gzip but cannot be decompressed (truncated or corrupted).",
        "Save the attachment again, or decompress it and paste the JSON.";
    ReportTooLarge => "report.too_large", Error, "RFC 8460 §5.3",
        "Report too large",
        "The report expands beyond the size this reader accepts (64 MiB by default; a server's --tlsrpt-max-size). Decompression stops at the limit as it runs, so a gzip bomb costs nothing; a sender's daily report is far smaller.",
        "Check that this is the report file; a reader that must take larger reports needs a higher limit.";
    ReportTooComplex => "report.too_complex", Error, "RFC 8460 §4",
        "Report too complex to read",
        "The report holds more than 200,000 JSON objects. A sender's daily report has a few objects per policy and failure type, so this is no report a sender would send; reading it would take gigabytes of memory.",
        "Check that this is the report file; split it if it is really this large.";
    ReportJson => "report.json", Error, "RFC 8460 §4",
        "Not valid JSON",
        "The report is not well-formed JSON.",
        "Check that the whole file was copied; the line and column point at the error.";
    ReportStructure => "report.structure", Error, "RFC 8460 §4.4",
        "Report structure missing",
        "The report has no usable \"policies\" list (or a policy has no summary), so it says nothing about sessions.",
        "Nothing to fix on your side: the sender's report is malformed; contact the sender if it repeats.";
    ReportFieldMissing => "report.field_missing", Warning, "RFC 8460 §4.4",
        "Required field missing",
        "A field the RFC requires is absent (e.g. report-id, date-range, policy-domain). The rest of the report is still summarised.",
        "Nothing to fix on your side; the sender deviates from the RFC.";
    ReportFieldType => "report.field_type", Warning, "RFC 8460 §4.4",
        "Field of the wrong type or form",
        "A field has another JSON type or form than the RFC defines (a count as a string, a sending-mta-ip that is not an IP address, a policy-domain that is not a domain). It was read anyway where possible. A failure-details entry that is not an object is skipped: its sessions are missing from the breakdown, but the policy's summary counts still stand.",
        "Nothing to fix on your side; the sender deviates from the RFC.";
    ReportContactNull => "report.contact_null", Info, "RFC 8460 §4.4",
        "contact-info is null or empty",
        "Some senders send \"contact-info\": null (or \"\") instead of contact information. RFC 8460 §4.4 leaves its form open (\"email address, URI, etc.\"), so any other text is accepted as it is.",
        "Nothing to fix.";
    ReportDate => "report.date", Warning, "RFC 8460 §4.4",
        "Malformed date",
        "date-range values are RFC 3339 date-times such as 2016-04-01T00:00:00Z.",
        "Nothing to fix on your side; the sender deviates from the RFC.";
    ReportPolicyType => "report.policy_type", Warning, "RFC 8460 §4.4",
        "Unknown policy type",
        "policy-type is \"tlsa\", \"sts\" or \"no-policy-found\".",
        "Nothing to fix on your side.";
    ReportMxHostString => "report.mx_host_string", Info, "RFC 8460 §4.4",
        "mx-host given as a single string",
        "RFC 8460 §4.4's schema makes mx-host a list of MX patterns; the RFC's own example report (Appendix B) writes a single string. It was read as a list of one.",
        "Nothing to fix.";
    ReportPoliciesEmpty => "report.policies_empty", Warning, "RFC 8460 §4.4",
        "Report covers no policies",
        "\"policies\" is an empty list: the report is well formed but says nothing about any session.",
        "Nothing to fix on your side; if a sender keeps sending empty reports, ask it why.";
    ReportBom => "report.bom", Warning, "RFC 8460 §5.3",
        "Byte order mark before the JSON",
        "The file starts with a UTF-8 byte order mark, which JSON (RFC 8259 §8.1) does not allow; mail gateways and editors add it. It was skipped.",
        "Nothing to fix on your side.";
    ReportGzipTrailing => "report.gzip_trailing", Warning, "RFC 8460 §5.3",
        "Bytes after the gzip data",
        "After the end of the gzip data (one or more members, read as gunzip does) come bytes that are not gzip; mail gateways sometimes pad attachments. They were ignored.",
        "Nothing to fix on your side.";
    ReportResultType => "report.result_type", Warning, "RFC 8460 §4.3",
        "Unknown result type",
        "The failure's result-type is not one the RFC defines; it is counted as given.",
        "Nothing to fix on your side.";
    ReportSendingIpMissing => "report.sending_ip_missing", Info, "RFC 8460 §4.4",
        "sending-mta-ip missing",
        "Some senders omit the sending IP from failure details; those failures are counted under \"(not given)\".",
        "Nothing to fix.";
    ReportCountMismatch => "report.count_mismatch", Warning, "RFC 8460 §4.4",
        "Failure counts disagree",
        "The failure details add up to more failed sessions than the summary reports.",
        "Nothing to fix on your side; the sender's counts are inconsistent.";
    ReportCount => "report.count", Warning, "RFC 8460 §4.4",
        "Invalid session count",
        "A session count is not a non-negative whole number; it was counted as 0.",
        "Nothing to fix on your side.";
    ReportFailures => "report.failures", Warning, "RFC 8460 §4.3",
        "Sessions failed",
        "Senders could not establish a secure session to your MX hosts for some deliveries. Under an enforced policy these messages were not delivered.",
        "Look at the result types and MX hosts in the breakdown and fix those hosts before enforcing.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_codes_name_a_live_successor_and_are_not_reused() {
        for (old, new, why) in RETIRED {
            assert!(
                Code::parse(old).is_none(),
                "{old} is retired but still a code"
            );
            assert!(
                retired(old).is_some_and(|(c, _)| c.as_str() == *new),
                "{old} -> {new}"
            );
            assert!(!why.is_empty());
        }
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'_'),
                "{s}"
            );
            assert_eq!(Code::parse(s), Some(*c));
            let i = c.info();
            assert!(
                !i.title.is_empty() && !c.explanation().is_empty() && !i.fix.is_empty(),
                "{s}"
            );
            assert!(rfc_url(i.rfc).is_some(), "{s}: {}", i.rfc);
        }
    }

    #[test]
    fn rfc_links() {
        assert_eq!(
            rfc_url("RFC 8461 §3.2").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc8461#section-3.2")
        );
        assert_eq!(
            rfc_url("RFC 5890").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc5890")
        );
    }
}
