//! One output shape for every offline validation, shared by `mtasts lint --json`, the web
//! app's paste mode and the embed's `lint(kind, text)`:
//!
//! ```json
//! {"kind": "policy", "valid": true, "verdict": "pass", "findings": [...], "parsed": {...}}
//! ```
//!
//! `parsed` holds what was understood: for a policy `version`, `mode`, `max_age`, `mx`; for a
//! TXT set `id`; for a TLS-RPT record `rua`; for a report the totals and breakdowns. When
//! `valid` is false a conforming sender would use none of it; the values are what a lenient
//! reader would have taken.

use serde::Serialize;
use serde_json::{json, Value};

use crate::finding::{Finding, Verdict};
use crate::txt::TxtRecord;
use crate::{policy, record, report_json, tlsrpt};

/// What is being validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Kind {
    #[serde(rename = "policy")]
    Policy,
    #[serde(rename = "sts-txt")]
    StsTxt,
    #[serde(rename = "tlsrpt-txt")]
    TlsrptTxt,
    #[serde(rename = "tlsrpt-report")]
    TlsrptReport,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Policy,
        Kind::StsTxt,
        Kind::TlsrptTxt,
        Kind::TlsrptReport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::StsTxt => "sts-txt",
            Kind::TlsrptTxt => "tlsrpt-txt",
            Kind::TlsrptReport => "tlsrpt-report",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LintOutput {
    pub kind: Kind,
    pub valid: bool,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub parsed: Value,
}

fn output(kind: Kind, valid: bool, findings: Vec<Finding>, parsed: Value) -> LintOutput {
    let findings = crate::finding::cap_repeats(findings, crate::finding::MAX_PER_CODE);
    LintOutput {
        kind,
        valid,
        verdict: Verdict::from_findings(valid, &findings),
        findings,
        parsed,
    }
}

/// Validates a policy body.
pub fn policy(body: &[u8]) -> LintOutput {
    let l = policy::lint(body);
    let p = &l.policy;
    let parsed = json!({
        "version": p.version,
        "mode": p.mode,
        "max_age": p.max_age,
        "mx": p.mx,
        "extensions": p.extensions,
    });
    output(Kind::Policy, l.valid, l.findings, parsed)
}

/// Validates the `_mta-sts` record set.
pub fn sts_txt(records: &[TxtRecord]) -> LintOutput {
    let l = record::lint(records);
    let parsed = json!({
        "id": l.record.as_ref().map(|r| &r.id),
        "extensions": l.record.as_ref().map(|r| &r.extensions),
        "records": records.len(),
        "candidates": l.candidates,
    });
    output(Kind::StsTxt, l.valid, l.findings, parsed)
}

/// Validates the `_smtp._tls` record set.
pub fn tlsrpt_txt(records: &[TxtRecord]) -> LintOutput {
    let l = tlsrpt::lint(records);
    let parsed = json!({
        "rua": l.record.as_ref().map(|r| r.rua.clone()).unwrap_or_default(),
        "extensions": l.record.as_ref().map(|r| &r.extensions),
        "records": records.len(),
        "candidates": l.candidates,
    });
    output(Kind::TlsrptTxt, l.valid, l.findings, parsed)
}

/// Validates and summarises a TLS-RPT report (JSON or gzip).
pub fn tlsrpt_report(bytes: &[u8]) -> LintOutput {
    tlsrpt_report_within(bytes, report_json::MAX_DECOMPRESSED)
}

/// [`tlsrpt_report`], refusing a compressed report that expands past `max_decompressed`.
pub fn tlsrpt_report_within(bytes: &[u8], max_decompressed: u64) -> LintOutput {
    let l = report_json::lint_within(bytes, max_decompressed);
    let parsed = serde_json::to_value(&l.summary).unwrap_or(Value::Null);
    output(Kind::TlsrptReport, l.valid, l.findings, parsed)
}

/// Validates text of any kind, as pasted: TXT kinds take one record per non-empty line, each
/// bare, in zone-file presentation form (`"v=STSv1; " "id=1"`, as `dig +short` prints it), or
/// as a whole answer line from `dig`, `host` or `nslookup` (see [`parse_presentation`]).
/// `dig`'s comment lines (starting with `;`) are skipped, so its whole output can be pasted.
pub fn text(kind: Kind, text: &[u8]) -> LintOutput {
    match kind {
        Kind::Policy => policy(text),
        Kind::TlsrptReport => tlsrpt_report(text),
        Kind::StsTxt | Kind::TlsrptTxt => {
            let s = String::from_utf8_lossy(text);
            let records: Vec<TxtRecord> = s
                .lines()
                .filter(|l| is_record_line(l))
                .map(parse_presentation)
                .collect();
            if kind == Kind::StsTxt {
                sts_txt(&records)
            } else {
                tlsrpt_txt(&records)
            }
        }
    }
}

/// Whether a pasted line holds a TXT record. Skipped: blank lines; `dig`'s comment lines
/// (`;`); answer lines of another type (the CNAME a name is delegated by, the SOA of an
/// NXDOMAIN answer); and what `nslookup` and `host` print around the records ("Server:",
/// "canonical name =", "has no TXT record" …). Everything else counts, so a malformed
/// record is reported, never dropped. The offline tools number records by this, too.
pub fn is_record_line(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.starts_with(';') {
        return false;
    }
    const CHATTER: [&str; 6] = [
        "server:",
        "address:",
        "non-authoritative answer",
        "authoritative answers can be found",
        "** server can't find",
        "*** can't find",
    ];
    let lower = t.to_ascii_lowercase();
    if CHATTER.iter().any(|c| lower.starts_with(c))
        || lower.contains("canonical name =")
        || lower.contains(" is an alias for ")
        || lower.contains(" has no txt record")
    {
        return false;
    }
    // NAME [TTL] CLASS TYPE …: an answer line; only TXT ones hold records.
    let head = t.split('"').next().unwrap_or("");
    let words: Vec<&str> = head.split_whitespace().collect();
    match words.iter().position(|w| w.eq_ignore_ascii_case("IN")) {
        Some(i @ 1..=2) => words
            .get(i + 1)
            .is_none_or(|ty| ty.eq_ignore_ascii_case("TXT")),
        _ => true,
    }
}

/// The part of a pasted line where a TXT record's quoted strings start: the whole line when it
/// starts with `"`; after the type in a `dig` or zone-file answer line
/// (`_mta-sts.example.com. 300 IN TXT "v=STSv1; " "id=1"`); after `descriptive text` (`host`)
/// or `text =` (`nslookup`). `None` for a bare record.
fn quoted_part(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed.starts_with('"') {
        return Some(trimmed);
    }
    let quote = trimmed.find('"')?;
    let (head, rest) = trimmed.split_at(quote);
    let words: Vec<String> = head
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let last = words.last().map(String::as_str);
    let answer = last == Some("txt") && words.len() >= 2
        || last == Some("text")
            && words.iter().rev().nth(1).map(String::as_str) == Some("descriptive")
        || last == Some("=") && words.iter().rev().nth(1).map(String::as_str) == Some("text");
    answer.then_some(rest)
}

/// Reads one TXT record written as text. Quoted character-strings (a line starting with `"`,
/// or the record part of an answer line, see [`quoted_part`]) are read in zone-file
/// presentation form: strings separated by white space, with `\"`, `\\` and `\DDD` escapes
/// (RFC 1035 §5.1). Anything else is one string, as written.
pub fn parse_presentation(line: &str) -> TxtRecord {
    let Some(trimmed) = quoted_part(line) else {
        return vec![line.to_string()];
    };
    let mut strings = Vec::new();
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => {
                    let mut digits = String::new();
                    while digits.len() < 3 && chars.peek().is_some_and(char::is_ascii_digit) {
                        digits.extend(chars.next());
                    }
                    if digits.len() == 3 {
                        if let Ok(b) = digits.parse::<u8>() {
                            bytes.push(b);
                        }
                    } else if !digits.is_empty() {
                        bytes.extend(digits.bytes());
                    } else if let Some(next) = chars.next() {
                        let mut buf = [0u8; 4];
                        bytes.extend(next.encode_utf8(&mut buf).as_bytes());
                    }
                }
                other => {
                    let mut buf = [0u8; 4];
                    bytes.extend(other.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        strings.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presentation_form() {
        assert_eq!(parse_presentation("v=STSv1; id=1"), ["v=STSv1; id=1"]);
        assert_eq!(
            parse_presentation("\"v=STSv1; \" \"id=1\""),
            ["v=STSv1; ", "id=1"]
        );
        assert_eq!(parse_presentation(r#""a\"b\\c\059""#), ["a\"b\\c;"]);
    }

    #[test]
    fn answer_lines_from_dig_host_and_nslookup() {
        let want = ["v=STSv1; ", "id=2024-01-01"];
        for line in [
            "_mta-sts.example.com. 300 IN TXT \"v=STSv1; \" \"id=2024-01-01\"",
            "_mta-sts.example.com.\t300\tIN\tTXT\t\"v=STSv1; \" \"id=2024-01-01\"",
            "_mta-sts.example.com. IN TXT \"v=STSv1; \" \"id=2024-01-01\"",
            "_mta-sts.example.com descriptive text \"v=STSv1; \" \"id=2024-01-01\"",
            "_mta-sts.example.com\ttext = \"v=STSv1; \" \"id=2024-01-01\"",
        ] {
            assert_eq!(parse_presentation(line), want, "{line}");
        }
        // A bare record that merely contains a quote stays as written.
        assert_eq!(
            parse_presentation("v=STSv1; id=\"1\""),
            ["v=STSv1; id=\"1\""]
        );
    }

    #[test]
    fn only_record_lines_count() {
        for skipped in [
            "",
            ";; ANSWER SECTION:",
            "_mta-sts.example.com. 300 IN CNAME sts.example.net.",
            "example.com. 900 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300",
            "Server:\t\t127.0.0.53",
            "Address:\t127.0.0.53#53",
            "Non-authoritative answer:",
            "_mta-sts.example.com\tcanonical name = sts.example.net.",
            "_mta-sts.example.com is an alias for sts.example.net.",
            "_mta-sts.example.com has no TXT record",
            "** server can't find _mta-sts.example.com: NXDOMAIN",
        ] {
            assert!(!is_record_line(skipped), "{skipped:?}");
        }
        for kept in [
            "v=STSv1; id=1",
            "\"v=STSv1; id=1\"",
            "_mta-sts.example.com. 300 IN TXT \"v=STSv1; id=1\"",
            "_mta-sts.example.com descriptive text \"v=STSv1; id=1\"",
            "garbage that is not a record",
        ] {
            assert!(is_record_line(kept), "{kept:?}");
        }
    }

    #[test]
    fn a_pasted_dig_answer_shows_every_problem() {
        let pasted = "; <<>> DiG 9.18 <<>> TXT _mta-sts.example.com\n\
                      ;; ANSWER SECTION:\n\
                      _mta-sts.example.com. 300 IN TXT \"v=STSv1; \" \"id=2024-01-01\"\n\
                      _mta-sts.example.com. 300 IN TXT \"v=STSv1; id=2\"\n";
        let out = text(Kind::StsTxt, pasted.as_bytes());
        let codes: Vec<&str> = out.findings.iter().map(|f| f.code.as_str()).collect();
        assert!(!out.valid);
        assert!(codes.contains(&"sts.record.multiple"), "{codes:?}");
        assert!(codes.contains(&"sts.id.invalid"), "{codes:?}");
        assert_eq!(serde_json::to_value(&out).unwrap()["parsed"]["records"], 2);
    }

    #[test]
    fn shape() {
        let out = text(Kind::StsTxt, b"\"v=STSv1; id=1\"\n");
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["kind"], "sts-txt");
        assert_eq!(v["valid"], true);
        assert_eq!(v["verdict"], "pass");
        assert_eq!(v["parsed"]["id"], "1");
        let out = policy(b"version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\n");
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["parsed"]["mode"], "testing");
        assert_eq!(v["parsed"]["max_age"], 86400);
        assert_eq!(v["findings"][0]["code"], "policy.mode.testing");
        assert_eq!(v["findings"][0]["severity"], "info");
    }
}
