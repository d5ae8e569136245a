//! TLS-RPT aggregate reports (RFC 8460 §4), as JSON or gzip-compressed JSON (§5.3: reports
//! "MUST be compressed using gzip" when sent by mail, with media type `application/tlsrpt+gzip`).
//!
//! Parsing is lenient because real senders deviate: some omit `sending-mta-ip`, send
//! `"contact-info": null`, send `mx-host` as an array instead of a string, or omit
//! `policy-domain` for `no-policy-found`. Each deviation is a finding; only unreadable input or
//! a missing `policies` list makes the report invalid. The summary adds up sessions by policy,
//! result type, receiving MX and sending IP.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::json::{Json, Object};
use serde::Serialize;

use crate::catalog::Code;
use crate::finding::{Finding, FindingsExt};

/// Result types defined in RFC 8460 §4.3 (negotiation, DANE/TLSA, MTA-STS failures).
pub const RESULT_TYPES: &[&str] = &[
    "starttls-not-supported",
    "certificate-host-mismatch",
    "certificate-expired",
    "certificate-not-trusted",
    "validation-failure",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-policy-fetch-error",
    "sts-policy-invalid",
    "sts-webpki-invalid",
];

/// What a result type means for the domain's mail, and what to do about it (RFC 8460 §4.3).
pub fn result_type_help(result_type: &str) -> Option<(&'static str, &'static str)> {
    Some(match result_type {
        "starttls-not-supported" => (
            "The receiving MX did not offer STARTTLS (or the sender could not start it).",
            "Enable STARTTLS on that MX host; under an enforced policy senders do not deliver to it.",
        ),
        "certificate-host-mismatch" => (
            "The MX host's certificate does not name the host the sender connected to.",
            "Serve a certificate whose names include the MX host name exactly as the MX record says.",
        ),
        "certificate-expired" => (
            "The MX host's certificate had expired.",
            "Renew the certificate and make sure the mail server reloads it (renewal jobs often forget the MTA).",
        ),
        "certificate-not-trusted" => (
            "The MX host's certificate does not chain to a root the sender trusts (self-signed, or the intermediate is missing).",
            "Use a certificate from a public CA and serve the full chain (leaf and intermediates).",
        ),
        "validation-failure" => (
            "Some other validation failed on the sender's side.",
            "Look at the failure's reason code and additional information in the JSON; check the MX host's TLS with posttls-finger.",
        ),
        "tlsa-invalid" => (
            "DANE: the TLSA records did not match the MX host's certificate.",
            "Publish TLSA records for the current key (3 1 1 of the certificate's public key) before rotating keys.",
        ),
        "dnssec-invalid" => (
            "DANE: the DNSSEC validation of the TLSA records failed.",
            "Fix the DNSSEC chain of the MX host's zone (signatures, DS record), or remove the TLSA records.",
        ),
        "dane-required" => (
            "DANE: the sender requires DANE for this host but found no usable TLSA records.",
            "Publish DNSSEC-signed TLSA records at _25._tcp for the MX host.",
        ),
        "sts-policy-fetch-error" => (
            "MTA-STS: the sender could not fetch the policy (DNS, connection, HTTP status).",
            "Make https://mta-sts.<domain>/.well-known/mta-sts.txt answer 200 to anyone, quickly, without redirects.",
        ),
        "sts-policy-invalid" => (
            "MTA-STS: the policy file could not be parsed, so the sender ignored it.",
            "Fix the policy file (the checker's Policy tool shows where); then publish a new id.",
        ),
        "sts-webpki-invalid" => (
            "MTA-STS: the policy host's certificate was not valid for mta-sts.<domain>.",
            "Serve a publicly trusted certificate for mta-sts.<domain> on the policy host.",
        ),
        _ => return None,
    })
}

/// The text of a gzip-compressed report for display: at most `max_chars` characters, and
/// whether it was cut there.
pub fn decompressed_text(bytes: &[u8], max_chars: usize) -> Result<(String, bool), String> {
    let (data, _) = gunzip(bytes, MAX_DECOMPRESSED).map_err(|(_, e)| e)?;
    let text = String::from_utf8_lossy(&data);
    let cut = text.char_indices().nth(max_chars).map(|(i, _)| i);
    Ok(match cut {
        Some(i) => (text[..i].to_string(), true),
        None => (text.into_owned(), false),
    })
}

/// Policy types of RFC 8460 §4.4.
/// The key a failure is counted under when its report leaves out the sending IP or the
/// receiving MX of a failure (RFC 8460 §4.4 failure details; real senders leave either out).
pub const NOT_GIVEN: &str = "(not given)";

pub const POLICY_TYPES: &[&str] = &["tlsa", "sts", "no-policy-found"];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// Sessions under one applied policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    pub policy_type: Option<String>,
    pub policy_domain: Option<String>,
    pub mx_host: Vec<String>,
    pub policy_string: Vec<String>,
    pub successful: u64,
    pub failed: u64,
    /// This policy's failures broken down, when asked for ([`lint_rows`]): what the store keeps
    /// and the daily summaries add up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Breakdown>,
}

/// Failed sessions of one policy by result type, receiving MX and sending IP
/// ([`NOT_GIVEN`] where the report leaves one out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub by_result_type: BTreeMap<String, u64>,
    pub by_receiving_mx: BTreeMap<String, u64>,
    pub by_sending_ip: BTreeMap<String, u64>,
}

/// What a report says, added up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReportSummary {
    pub organization_name: Option<String>,
    pub report_id: Option<String>,
    pub contact_info: Option<String>,
    pub date_range: DateRange,
    pub total_successful: u64,
    pub total_failed: u64,
    pub policies: Vec<PolicySummary>,
    /// Failed sessions by result type.
    pub by_result_type: BTreeMap<String, u64>,
    /// Failed sessions by receiving MX host name.
    pub by_receiving_mx: BTreeMap<String, u64>,
    /// Failed sessions by sending MTA IP address.
    pub by_sending_ip: BTreeMap<String, u64>,
    /// The receiving MX hosts named in the failures of each result type.
    pub mx_by_result_type: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportLint {
    pub valid: bool,
    pub findings: Vec<Finding>,
    pub summary: Option<ReportSummary>,
}

/// The most JSON objects (counted as `{` bytes, strings included) a report may have.
pub const MAX_OBJECTS: usize = 200_000;

/// The most a compressed report may expand to: a guard against gzip bombs.
pub const MAX_DECOMPRESSED: u64 = 64 * 1024 * 1024;

/// Validates and summarises a report from its raw bytes (plain JSON or gzip).
pub fn lint(bytes: &[u8]) -> ReportLint {
    lint_within(bytes, MAX_DECOMPRESSED)
}

/// [`lint`], refusing a compressed report that expands past `max_decompressed` bytes.
pub fn lint_within(bytes: &[u8], max_decompressed: u64) -> ReportLint {
    read(bytes, max_decompressed, false)
}

/// [`lint_within`], with each policy's failures broken down ([`PolicySummary::breakdown`]).
pub fn lint_rows(bytes: &[u8], max_decompressed: u64) -> ReportLint {
    read(bytes, max_decompressed, true)
}

fn read(bytes: &[u8], max_decompressed: u64, rows: bool) -> ReportLint {
    let mut findings = Vec::new();
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    let json: std::borrow::Cow<'_, [u8]> = if gzip {
        match gunzip(bytes, max_decompressed) {
            Ok((b, 0)) => b.into(),
            Ok((b, trailing)) => {
                findings.push(Finding::new(
                    Code::ReportGzipTrailing,
                    format!("{trailing} byte(s) after the end of the gzip data were ignored"),
                ));
                b.into()
            }
            Err((code, msg)) => {
                findings.push(Finding::new(code, msg));
                return ReportLint {
                    valid: false,
                    findings,
                    summary: None,
                };
            }
        }
    } else {
        bytes.into()
    };
    let json = match json.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => {
            findings.push(Finding::new(
                Code::ReportBom,
                "the JSON starts with a UTF-8 byte order mark; it was skipped",
            ));
            rest.to_vec().into()
        }
        None => json,
    };
    // Parsed JSON costs far more memory than its text: millions of `{}` in 16 MB took 5 GB.
    // A sender's daily report has a few objects per policy and failure; refuse one with more
    // objects than any report needs before building them.
    let objects = json.iter().filter(|&&b| b == b'{').count();
    if objects > MAX_OBJECTS {
        findings.push(Finding::new(
            Code::ReportTooComplex,
            format!("the report has {objects} JSON objects (more than {MAX_OBJECTS}); a sender's report is far smaller, so it was not read"),
        ));
        return ReportLint {
            valid: false,
            findings,
            summary: None,
        };
    }
    let value = match crate::json::from_slice(&json) {
        Ok(v) => v,
        Err(e) => {
            findings.push(
                Finding::new(
                    Code::ReportJson,
                    format!("the report is not valid JSON: {e}"),
                )
                .at(e.line() as u32, e.column() as u32),
            );
            return ReportLint {
                valid: false,
                findings,
                summary: None,
            };
        }
    };
    let Json::Object(root) = value else {
        findings.push(Finding::new(
            Code::ReportStructure,
            "the report must be a JSON object",
        ));
        return ReportLint {
            valid: false,
            findings,
            summary: None,
        };
    };
    let mut summary = ReportSummary {
        gzip,
        ..ReportSummary::default()
    };
    read_header(&root, &mut summary, &mut findings);
    match root.get("policies") {
        Some(Json::Array(policies)) => {
            for (i, p) in policies.iter().enumerate() {
                read_policy(i, p, rows, &mut summary, &mut findings);
            }
            if policies.is_empty() {
                findings.push(
                    Finding::new(
                        Code::ReportPoliciesEmpty,
                        "\"policies\" is empty: the report covers no sessions",
                    )
                    .about("policies"),
                );
            }
        }
        Some(_) => findings.push(
            Finding::new(Code::ReportStructure, "\"policies\" must be a list").about("policies"),
        ),
        None => findings.push(
            Finding::new(
                Code::ReportStructure,
                "the report has no \"policies\" list, so it says nothing about any session",
            )
            .about("policies"),
        ),
    }
    if summary.total_failed > 0 {
        let top = summary
            .by_result_type
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(t, n)| format!("; most often {t} ({n})"))
            .unwrap_or_default();
        findings.push(Finding::new(
            Code::ReportFailures,
            format!(
                "{} of {} sessions failed{top}",
                summary.total_failed,
                summary.total_failed + summary.total_successful
            ),
        ));
    }
    let valid = findings.no_errors();
    ReportLint {
        valid,
        findings: crate::finding::cap_repeats(findings, crate::finding::MAX_PER_CODE),
        summary: Some(summary),
    }
}

/// Decompresses every gzip member in turn (as `gunzip` does) and returns the data with the
/// number of bytes after the last member that are not gzip (ignored, and reported).
#[cfg(feature = "gzip")]
fn gunzip(bytes: &[u8], max: u64) -> Result<(Vec<u8>, usize), (Code, String)> {
    let max = usize::try_from(max).unwrap_or(usize::MAX - 1);
    let r = crate::inflate::gunzip(bytes, max).map_err(|e| (Code::ReportGzip, e))?;
    if r.cut {
        // Decompression stopped at the limit as it ran: a gzip bomb costs no more than this.
        return Err((
            Code::ReportTooLarge,
            format!(
                "the report expands to more than {}; refusing to read it",
                size_words(max)
            ),
        ));
    }
    Ok((r.bytes, bytes.len() - r.consumed))
}

/// "64 MiB", "512 KiB", "300 bytes".
fn size_words(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(not(feature = "gzip"))]
fn gunzip(_bytes: &[u8], _max: u64) -> Result<(Vec<u8>, usize), (Code, String)> {
    Err((
        Code::ReportGzip,
        "this build cannot read gzip-compressed reports; decompress it first".into(),
    ))
}

fn read_header(root: &Object<'_>, s: &mut ReportSummary, findings: &mut Vec<Finding>) {
    s.organization_name = required_string(root, "organization-name", findings);
    s.report_id = required_string(root, "report-id", findings);
    match root.get("contact-info") {
        Some(Json::Null) => findings.push(
            Finding::new(Code::ReportContactNull, "\"contact-info\" is null; the RFC asks for a contact address (some senders send null)")
                .about("contact-info"),
        ),
        Some(Json::String(c)) if c.trim().is_empty() => findings.push(
            Finding::new(Code::ReportContactNull, "\"contact-info\" is empty; the RFC asks for contact information")
                .about("contact-info"),
        ),
        // RFC 8460 §4.4 leaves its form open ("email address, URI, etc."): any text will do.
        _ => s.contact_info = required_string(root, "contact-info", findings),
    }
    match root.get("date-range") {
        Some(Json::Object(range)) => {
            for (key, slot) in [
                ("start-datetime", &mut s.date_range.start),
                ("end-datetime", &mut s.date_range.end),
            ] {
                let path = format!("date-range.{key}");
                match range.get(key) {
                    Some(Json::String(d)) => {
                        if !is_rfc3339(d) {
                            findings.push(
                                Finding::new(Code::ReportDate, format!("{path} \"{d}\" is not an RFC 3339 date-time such as 2016-04-01T00:00:00Z"))
                                    .about(path),
                            );
                        }
                        *slot = Some(d.to_string());
                    }
                    _ => findings.push(
                        Finding::new(
                            Code::ReportFieldMissing,
                            format!("{path} is missing or not a string"),
                        )
                        .about(path),
                    ),
                }
            }
        }
        _ => findings.push(
            Finding::new(
                Code::ReportFieldMissing,
                "\"date-range\" is missing or not an object",
            )
            .about("date-range"),
        ),
    }
}

fn required_string(obj: &Object<'_>, key: &str, findings: &mut Vec<Finding>) -> Option<String> {
    field_str(obj, key, findings).map(String::from)
}

/// A string member that must be there: its text, or `None` with a finding.
fn field_str<'o>(obj: &'o Object<'_>, key: &str, findings: &mut Vec<Finding>) -> Option<&'o str> {
    match obj.get(key) {
        Some(Json::String(s)) => Some(s),
        Some(other) => {
            findings.push(
                Finding::new(
                    Code::ReportFieldType,
                    format!("\"{key}\" should be a string, not {}", other.type_name()),
                )
                .about(key),
            );
            None
        }
        None => {
            findings.push(
                Finding::new(Code::ReportFieldMissing, format!("\"{key}\" is missing")).about(key),
            );
            None
        }
    }
}

fn read_policy(
    i: usize,
    p: &Json<'_>,
    rows: bool,
    s: &mut ReportSummary,
    findings: &mut Vec<Finding>,
) {
    let path = format!("policies[{i}]");
    let Json::Object(p) = p else {
        findings.push(
            Finding::new(Code::ReportStructure, format!("{path} must be an object")).about(path),
        );
        return;
    };
    let mut ps = PolicySummary {
        breakdown: rows.then(Breakdown::default),
        ..PolicySummary::default()
    };
    match p.get("policy") {
        Some(Json::Object(pol)) => {
            let ppath = format!("{path}.policy");
            ps.policy_type = required_string(pol, "policy-type", findings);
            if let Some(t) = &ps.policy_type {
                if !POLICY_TYPES.contains(&t.as_str()) {
                    findings.push(
                        Finding::new(
                            Code::ReportPolicyType,
                            format!(
                                "{ppath}.policy-type \"{t}\" is not tlsa, sts or no-policy-found"
                            ),
                        )
                        .about(format!("{ppath}.policy-type")),
                    );
                }
            }
            match pol.get("policy-domain") {
                Some(Json::String(d)) => {
                    let name = d.trim_end_matches('.');
                    if !name.contains('.') || crate::hostname::check_ldh(name).is_err() {
                        findings.push(
                            Finding::new(
                                Code::ReportFieldType,
                                format!("{ppath}.policy-domain \"{d}\" is not a domain name"),
                            )
                            .about(format!("{ppath}.policy-domain")),
                        );
                    }
                    ps.policy_domain = Some(d.to_string())
                }
                _ if ps.policy_type.as_deref() == Some("no-policy-found") => {}
                _ => findings.push(
                    Finding::new(
                        Code::ReportFieldMissing,
                        format!("{ppath}.policy-domain is missing"),
                    )
                    .about(format!("{ppath}.policy-domain")),
                ),
            }
            // RFC 8460 §4.4: a list of MX patterns; the RFC's own example writes one string.
            match pol.get("mx-host") {
                Some(Json::Array(a)) => ps
                    .mx_host
                    .extend(a.iter().filter_map(|v| v.as_str().map(String::from))),
                Some(Json::String(h)) => {
                    findings.push(
                        Finding::new(Code::ReportMxHostString, format!("{ppath}.mx-host is a single string; the schema makes it a list (read as a list of one)"))
                            .about(format!("{ppath}.mx-host")),
                    );
                    ps.mx_host.push(h.to_string());
                }
                _ => {}
            }
            if let Some(Json::Array(a)) = pol.get("policy-string") {
                ps.policy_string = a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
            }
        }
        _ => findings.push(
            Finding::new(
                Code::ReportFieldMissing,
                format!("{path}.policy is missing or not an object"),
            )
            .about(format!("{path}.policy")),
        ),
    }
    match p.get("summary") {
        Some(Json::Object(sum)) => {
            ps.successful = count(
                sum,
                "total-successful-session-count",
                &format_args!("{path}.summary"),
                findings,
            );
            ps.failed = count(
                sum,
                "total-failure-session-count",
                &format_args!("{path}.summary"),
                findings,
            );
        }
        _ => findings.push(
            Finding::new(
                Code::ReportStructure,
                format!("{path}.summary is missing: the session counts are unknown"),
            )
            .about(format!("{path}.summary")),
        ),
    }
    let mut detail_failed = 0u64;
    if let Some(details) = p.get("failure-details") {
        let Json::Array(details) = details else {
            findings.push(
                Finding::new(
                    Code::ReportFieldType,
                    format!("{path}.failure-details should be a list"),
                )
                .about(format!("{path}.failure-details")),
            );
            return finish_policy(ps, s);
        };
        for (j, d) in details.iter().enumerate() {
            let dpath = DetailPath {
                policy: &path,
                detail: j,
            };
            let Json::Object(d) = d else {
                findings.push(
                    Finding::new(
                        Code::ReportFieldType,
                        format!("{dpath} is not an object, so it was skipped: its sessions are missing from the breakdown (the summary counts still stand)"),
                    )
                    .about(dpath.to_string()),
                );
                continue;
            };
            let n = count(d, "failed-session-count", &dpath, findings);
            detail_failed = detail_failed.saturating_add(n);
            let result_type = field_str(d, "result-type", findings).unwrap_or("(missing)");
            if !RESULT_TYPES.contains(&result_type) && result_type != "(missing)" {
                findings.push(
                    Finding::new(
                        Code::ReportResultType,
                        format!(
                            "{dpath}.result-type \"{result_type}\" is not one RFC 8460 defines"
                        ),
                    )
                    .about(format!("{dpath}.result-type")),
                );
            }
            tally(&mut s.by_result_type, result_type, n);
            match d.get("sending-mta-ip") {
                Some(Json::String(ip)) => {
                    if ip.parse::<std::net::IpAddr>().is_err() {
                        findings.push(
                            Finding::new(
                                Code::ReportFieldType,
                                format!("{dpath}.sending-mta-ip \"{ip}\" is not an IP address"),
                            )
                            .about(format!("{dpath}.sending-mta-ip")),
                        );
                    }
                    tally(&mut s.by_sending_ip, ip, n)
                }
                _ => {
                    findings.push(
                        Finding::new(
                            Code::ReportSendingIpMissing,
                            format!(
                                "{dpath}.sending-mta-ip is missing (some senders leave it out)"
                            ),
                        )
                        .about(format!("{dpath}.sending-mta-ip")),
                    );
                    tally(&mut s.by_sending_ip, NOT_GIVEN, n);
                }
            }
            // Host names compare without case or a final dot; most reports already write them
            // that way, and then nothing is copied.
            let mx: Cow<'_, str> = match d.get("receiving-mx-hostname") {
                Some(Json::String(h)) => {
                    let h = h.trim_end_matches('.');
                    if h.bytes().any(|b| b.is_ascii_uppercase()) {
                        Cow::Owned(h.to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(h)
                    }
                }
                _ => Cow::Borrowed(NOT_GIVEN),
            };
            let hosts = match s.mx_by_result_type.get_mut(result_type) {
                Some(h) => h,
                None => s
                    .mx_by_result_type
                    .entry(result_type.to_string())
                    .or_default(),
            };
            if !hosts.contains(mx.as_ref()) {
                hosts.insert(mx.to_string());
            }
            tally(&mut s.by_receiving_mx, &mx, n);
            if let Some(b) = ps.breakdown.as_mut() {
                tally(&mut b.by_result_type, result_type, n);
                tally(&mut b.by_receiving_mx, &mx, n);
                let ip = match d.get("sending-mta-ip") {
                    Some(Json::String(ip)) => ip,
                    _ => NOT_GIVEN,
                };
                tally(&mut b.by_sending_ip, ip, n);
            }
        }
    }
    if detail_failed > ps.failed {
        findings.push(
            Finding::new(
                Code::ReportCountMismatch,
                format!("{path}: failure-details add up to {detail_failed} failed sessions but the summary says {}", ps.failed),
            )
            .about(format!("{path}.summary")),
        );
    }
    finish_policy(ps, s);
}

fn finish_policy(ps: PolicySummary, s: &mut ReportSummary) {
    s.total_successful = s.total_successful.saturating_add(ps.successful);
    s.total_failed = s.total_failed.saturating_add(ps.failed);
    s.policies.push(ps);
}

/// A session count (RFC 8460 §4.4: an integer). `path` names the object in findings; it is
/// formatted only when there is one to write (once per failure detail otherwise).
fn count(
    obj: &Object<'_>,
    key: &str,
    path: &dyn std::fmt::Display,
    findings: &mut Vec<Finding>,
) -> u64 {
    let full = || format!("{path}.{key}");
    match obj.get(key) {
        Some(Json::Number(n)) => match n.as_u64() {
            Some(v) => v,
            None => {
                let full = full();
                findings.push(
                    Finding::new(
                        Code::ReportCount,
                        format!("{full} is {n}, not a whole number of sessions"),
                    )
                    .about(full),
                );
                0
            }
        },
        Some(Json::String(t)) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            let full = full();
            findings.push(
                Finding::new(
                    Code::ReportFieldType,
                    format!("{full} is the string \"{t}\"; it should be a JSON number"),
                )
                .about(full),
            );
            t.parse().unwrap_or(u64::MAX)
        }
        Some(other) => {
            let full = full();
            findings.push(
                Finding::new(
                    Code::ReportCount,
                    format!("{full} is {}, not a number of sessions", other.type_name()),
                )
                .about(full),
            );
            0
        }
        None => {
            let full = full();
            findings.push(
                Finding::new(Code::ReportFieldMissing, format!("{full} is missing")).about(full),
            );
            0
        }
    }
}

/// Adds `n` to `key`'s tally, copying the key only the first time it is seen.
fn tally(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match map.get_mut(key) {
        Some(v) => *v = v.saturating_add(n),
        None => {
            map.insert(key.to_string(), n);
        }
    }
}

/// `policies[i].failure-details[j]`, written out only for a finding.
struct DetailPath<'p> {
    policy: &'p str,
    detail: usize,
}

impl std::fmt::Display for DetailPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.failure-details[{}]", self.policy, self.detail)
    }
}

/// RFC 3339 §5.6 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`. Hand-written: a date
/// crate would be the only reason to ship one in the wasm bundle.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num =
        |r: std::ops::Range<usize>| s.get(r).and_then(|d| d.parse::<u32>().ok()).unwrap_or(99);
    if b.len() < 20
        || !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10))
        || !matches!(b[10], b'T' | b't' | b' ')
        || !(digits(11..13) && b[13] == b':' && digits(14..16) && b[16] == b':' && digits(17..19))
    {
        return false;
    }
    if !(1..=12).contains(&num(5..7))
        || !(1..=31).contains(&num(8..10))
        || num(11..13) > 23
        || num(14..16) > 59
        || num(17..19) > 60
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_result_type_is_explained_with_a_fix() {
        for rt in super::RESULT_TYPES {
            let (meaning, fix) = super::result_type_help(rt).unwrap_or_else(|| panic!("{rt}"));
            assert!(meaning.ends_with('.') && fix.ends_with('.'), "{rt}");
        }
        assert!(super::result_type_help("made-up").is_none());
    }

    use super::*;

    /// The example report of RFC 8460 §4.4 (trimmed to one policy, with its failure details).
    pub(crate) const RFC_EXAMPLE: &str = r#"{
      "organization-name": "Company-X",
      "date-range": {"start-datetime": "2016-04-01T00:00:00Z", "end-datetime": "2016-04-01T23:59:59Z"},
      "contact-info": "sts-reporting@company-x.example",
      "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
      "policies": [{
        "policy": {
          "policy-type": "sts",
          "policy-string": ["version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400"],
          "policy-domain": "company-y.example",
          "mx-host": "*.mail.company-y.example"
        },
        "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
        "failure-details": [
          {"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
           "receiving-mx-hostname": "mx1.mail.company-y.example", "failed-session-count": 100},
          {"result-type": "starttls-not-supported", "sending-mta-ip": "2001:db8:abcd:0013::1",
           "receiving-mx-hostname": "mx2.mail.company-y.example", "receiving-ip": "203.0.113.56",
           "failed-session-count": 200, "additional-information": "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported"},
          {"result-type": "validation-failure", "sending-mta-ip": "198.51.100.62", "receiving-ip": "203.0.113.58",
           "receiving-mx-hostname": "mx-backup.mail.company-y.example", "failed-session-count": 3,
           "failure-error-code": "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"}
        ]
      }]
    }"#;

    #[test]
    fn rfc_example_summary() {
        let l = lint(RFC_EXAMPLE.as_bytes());
        assert!(l.valid, "{:?}", l.findings);
        // The RFC's own example writes mx-host as a string, where its schema has a list.
        assert_eq!(
            l.findings.iter().map(|f| f.code).collect::<Vec<_>>(),
            [Code::ReportMxHostString, Code::ReportFailures]
        );
        let s = l.summary.unwrap();
        assert_eq!((s.total_successful, s.total_failed), (5326, 303));
        assert_eq!(s.by_result_type["starttls-not-supported"], 200);
        assert_eq!(s.by_receiving_mx["mx1.mail.company-y.example"], 100);
        assert_eq!(s.by_sending_ip["198.51.100.62"], 3);
        assert_eq!(
            s.policies[0].policy_domain.as_deref(),
            Some("company-y.example")
        );
    }

    #[test]
    fn gzip_is_accepted() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(RFC_EXAMPLE.as_bytes()).unwrap();
        let gz = enc.finish().unwrap();
        let l = lint(&gz);
        assert!(l.valid);
        assert!(l.summary.unwrap().gzip);
        let l = lint(&gz[..gz.len() / 2]);
        assert_eq!(l.findings[0].code, Code::ReportGzip);
    }

    #[test]
    fn what_mail_gateways_do_to_report_files_is_read() {
        use std::io::Write;
        let gz = |part: &[u8]| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(part).unwrap();
            enc.finish().unwrap()
        };
        let json = RFC_EXAMPLE.as_bytes();
        let (a, b) = json.split_at(json.len() / 2);
        // Two concatenated members read as one stream, as gunzip does.
        let two = [gz(a), gz(b)].concat();
        let l = lint(&two);
        assert!(l.valid, "{:?}", l.findings);
        assert_eq!(l.summary.unwrap().total_successful, 5326);
        // Padding after the gzip data: ignored, with a warning.
        let padded = [gz(json), vec![0u8; 7]].concat();
        let l = lint(&padded);
        assert!(l.valid, "{:?}", l.findings);
        assert!(l
            .findings
            .iter()
            .any(|f| f.code == Code::ReportGzipTrailing));
        // A byte order mark before the JSON, plain or compressed.
        for bytes in [
            [b"\xEF\xBB\xBF".as_slice(), json].concat(),
            gz(&[b"\xEF\xBB\xBF".as_slice(), json].concat()),
        ] {
            let l = lint(&bytes);
            assert!(l.valid, "{:?}", l.findings);
            assert!(l.findings.iter().any(|f| f.code == Code::ReportBom));
        }
    }

    #[test]
    fn field_values_are_checked() {
        let bad = RFC_EXAMPLE
            .replace("\"198.51.100.62\"", "\"not-an-ip\"")
            .replace(
                "\"policy-domain\": \"company-y.example\"",
                "\"policy-domain\": \"no spaces allowed\"",
            );
        let l = lint(bad.as_bytes());
        assert!(
            l.valid,
            "deviations in values are warnings: {:?}",
            l.findings
        );
        let msgs: Vec<&str> = l
            .findings
            .iter()
            .filter(|f| f.code == Code::ReportFieldType)
            .map(|f| f.message.as_str())
            .collect();
        assert!(
            msgs.iter().any(|m| m.contains("not an IP address")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("not a domain name")),
            "{msgs:?}"
        );
    }

    #[test]
    fn malformed_json_points_at_the_error() {
        let l = lint(b"{\n  \"policies\": [,]\n}");
        assert!(!l.valid);
        assert_eq!(l.findings[0].code, Code::ReportJson);
        assert_eq!(l.findings[0].location.map(|l| l.line), Some(2));
    }

    #[test]
    fn missing_policies_is_invalid() {
        let l = lint(br#"{"organization-name":"x","date-range":{"start-datetime":"2016-04-01T00:00:00Z","end-datetime":"2016-04-01T23:59:59Z"},"contact-info":"a@b.example","report-id":"1"}"#);
        assert!(!l.valid);
        assert!(l.findings.has(Code::ReportStructure));
    }

    #[test]
    fn dates() {
        assert!(is_rfc3339("2016-04-01T00:00:00Z"));
        assert!(is_rfc3339("2016-04-01T00:00:00.123+02:00"));
        assert!(!is_rfc3339("2016-04-01"));
        assert!(!is_rfc3339("2016-13-01T00:00:00Z"));
        assert!(!is_rfc3339("2016-04-01T00:00:00"));
    }
}
