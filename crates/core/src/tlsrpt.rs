//! The `_smtp._tls.<domain>` TLS-RPT record (RFC 8460 §3).
//!
//! ```text
//! tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! field-delim      = *WSP ";" *WSP
//! tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
//! tlsrpt-version   = %s"v=TLSRPTv1"
//! tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-uri       = URI   ; commas (ASCII 0x2C), exclamation points (0x21) and
//!                          ; semicolons (0x3B) must be percent-encoded
//! ```
//!
//! "If the number of resulting records is not one, senders MUST assume the recipient domain
//! does not implement TLSRPT" (§3). Reports go to `mailto:` (§5.3) or `https:` (§5.4) URIs.

use serde::Serialize;

use crate::catalog::Code;
use crate::finding::Finding;
use crate::hostname;
use crate::txt::{self, TxtRecord, Vocabulary};

const VOCAB: Vocabulary = Vocabulary {
    version: "v=TLSRPTv1",
    none: Code::TlsrptNone,
    multiple: Code::TlsrptMultiple,
    discarded: Code::TlsrptDiscarded,
    version_case: Code::TlsrptVersionCase,
    space_before_delimiter: Code::TlsrptVersionSpace,
    non_ascii: Code::TlsrptNonAscii,
    empty_field: Code::TlsrptEmptyField,
    trailing_whitespace: Code::TlsrptTrailingWhitespace,
    leading_whitespace: Code::TlsrptLeadingWhitespace,
    field_syntax: Code::TlsrptSyntax,
    ext_name: Code::TlsrptExtensionName,
    ext_value: Code::TlsrptExtensionValue,
    duplicate: Code::TlsrptDuplicateField,
};

/// What a conforming sender takes from the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsrptRecord {
    /// Every URI of `rua=`, as written.
    pub rua: Vec<String>,
    pub extensions: Vec<(String, String)>,
}

/// The outcome of validating a `_smtp._tls` record set.
pub type TlsrptTxtLint = txt::SetLint<TlsrptRecord>;

/// Validates the TXT record set found at `_smtp._tls.<domain>`.
pub fn lint(records: &[TxtRecord]) -> TlsrptTxtLint {
    txt::lint_set(records, &VOCAB, parse_one)
}

fn parse_one(cand: &txt::Candidate, findings: &mut Vec<Finding>) -> Option<TlsrptRecord> {
    let fields = txt::fields(cand, &VOCAB, &["rua"], findings);
    let mut rua = None;
    let mut extensions = Vec::new();
    for f in fields {
        if f.name == "rua" {
            rua = Some(parse_rua(&f, cand.number, findings));
        } else {
            extensions.push((f.name, f.value));
        }
    }
    match rua {
        None => {
            findings.push(
                Finding::new(
                    Code::TlsrptRuaMissing,
                    "the record has no rua= field, so reports cannot be sent anywhere",
                )
                .at(cand.number, 1),
            );
            None
        }
        Some(rua) => Some(TlsrptRecord { rua, extensions }),
    }
}

fn parse_rua(f: &txt::Field, line: u32, findings: &mut Vec<Finding>) -> Vec<String> {
    let mut uris = Vec::new();
    let mut usable = 0;
    let mut offset = 0;
    for piece in f.value.split(',') {
        let uri = piece.trim_matches([' ', '\t']);
        let lead = piece.len() - piece.trim_start_matches([' ', '\t']).len();
        let column = f.value_column + txt::col(&f.value, offset + lead) - 1;
        offset += piece.len() + 1;
        if uri.is_empty() {
            findings.push(
                Finding::new(
                    Code::TlsrptRuaEmpty,
                    "an empty URI in the rua= list (two commas in a row, or a comma at the end)",
                )
                .at(line, column),
            );
            continue;
        }
        match check_uri(uri) {
            Ok(()) => usable += 1,
            Err((code, msg)) => findings.push(Finding::new(code, msg).at(line, column)),
        }
        uris.push(uri.to_string());
    }
    if usable == 0 && !uris.is_empty() {
        findings.push(
            Finding::new(
                Code::TlsrptRuaNoneUsable,
                "no URI in rua= is a usable mailto: or https: address, so no report can be delivered",
            )
            .at(line, f.value_column),
        );
    }
    uris
}

/// Checks one report URI: `mailto:` with an address, or `https:` with a host (RFC 8460 §3).
fn check_uri(uri: &str) -> Result<(), (Code, String)> {
    if let Some(c) = uri.chars().find(|&c| c == '!') {
        return Err((
            Code::TlsrptRuaUnencoded,
            format!("\"{uri}\" contains '{c}', which must be percent-encoded (%21) in a TLS-RPT URI; a DMARC-style size limit like !10m is not supported"),
        ));
    }
    if let Some(c) = uri.chars().find(|&c| !is_uri_char(c)) {
        return Err((
            Code::TlsrptRuaInvalid,
            format!(
                "\"{uri}\" contains {}, which cannot appear in a URI",
                txt::describe(c)
            ),
        ));
    }
    if let Some(bad) = bad_percent(uri) {
        return Err((
            Code::TlsrptRuaInvalid,
            format!("\"{uri}\" has a '%' not followed by two hex digits (\"{bad}\")"),
        ));
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        let hint = if uri.contains('@') {
            format!("write mailto:{uri}")
        } else {
            "write mailto:address or https://host/path".to_string()
        };
        return Err((
            Code::TlsrptRuaScheme,
            format!("\"{uri}\" has no scheme; {hint}"),
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "mailto" => {
            let addr = rest.split('?').next().unwrap_or(rest);
            let Some((local, domain)) = addr.rsplit_once('@') else {
                return Err((
                    Code::TlsrptRuaMailto,
                    format!("\"{uri}\" has no e-mail address after mailto:"),
                ));
            };
            if local.is_empty() || hostname::check_ldh(domain).is_err() || !domain.contains('.') {
                return Err((
                    Code::TlsrptRuaMailto,
                    format!("\"{addr}\" in \"{uri}\" is not a usable e-mail address"),
                ));
            }
            Ok(())
        }
        "https" => {
            let Some(after) = rest.strip_prefix("//") else {
                return Err((
                    Code::TlsrptRuaHttps,
                    format!("\"{uri}\" has no host; write https://host/path"),
                ));
            };
            let authority = after.split(['/', '?', '#']).next().unwrap_or(after);
            let host = authority.rsplit('@').next().unwrap_or(authority);
            let host = match host.rsplit_once(':') {
                Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
                _ => host,
            };
            if host.is_empty() || (hostname::check_ldh(host).is_err() && !hostname::looks_like_ip(host)) {
                return Err((
                    Code::TlsrptRuaHttps,
                    format!("\"{uri}\" has no valid host name"),
                ));
            }
            Ok(())
        }
        other => Err((
            Code::TlsrptRuaScheme,
            format!("\"{uri}\" uses the {other}: scheme; senders deliver reports only to mailto: and https: URIs"),
        )),
    }
}

/// RFC 3986 unreserved, reserved (less `!`, `,` and `;`, which this record needs encoded) and `%`.
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | ':'
                | '/'
                | '?'
                | '#'
                | '['
                | ']'
                | '@'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | '='
                | '%'
        )
}

fn bad_percent(uri: &str) -> Option<&str> {
    let b = uri.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok =
                b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
            if !ok {
                return Some(&uri[i..(i + 3).min(uri.len())]);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(records: &[&str]) -> (bool, Vec<&'static str>) {
        let set: Vec<TxtRecord> = records.iter().map(|r| vec![r.to_string()]).collect();
        let l = lint(&set);
        (
            l.valid,
            l.findings.iter().map(|f| f.code.as_str()).collect(),
        )
    }

    #[test]
    fn table() {
        let cases: &[(&[&str], bool, &[&str])] = &[
            (&["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"], true, &[]),
            (
                &["v=TLSRPTv1;rua=https://reports.example.com/v1/tlsrpt"],
                true,
                &[],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x"],
                true,
                &[],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:a@example.com , mailto:b@example.net;"],
                true,
                &[],
            ),
            (&["v=TLSRPTv1"], false, &["tlsrpt.rua.missing"]),
            (
                &["v=TLSRPTv1; rua=mailto:a@example.com!10m"],
                false,
                &["tlsrpt.rua.unencoded", "tlsrpt.rua.none_usable"],
            ),
            (
                &["v=TLSRPTv1; rua=http://r.example.com/"],
                false,
                &["tlsrpt.rua.scheme", "tlsrpt.rua.none_usable"],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:a@example.com,http://r.example.com/"],
                true,
                &["tlsrpt.rua.scheme"],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:example.com"],
                false,
                &["tlsrpt.rua.mailto", "tlsrpt.rua.none_usable"],
            ),
            (
                &["v=TLSRPTv1; rua=https:/r"],
                false,
                &["tlsrpt.rua.https", "tlsrpt.rua.none_usable"],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com"],
                false,
                &["tlsrpt.rua.empty"],
            ),
            (
                &["v=TLSRPTv1; rua=tlsrpt@example.com"],
                false,
                &["tlsrpt.rua.scheme", "tlsrpt.rua.none_usable"],
            ),
            (
                &[
                    "v=TLSRPTv1; rua=mailto:a@example.com",
                    "v=TLSRPTv1; rua=mailto:b@example.com",
                ],
                false,
                &["tlsrpt.record.multiple"],
            ),
            (
                &["v=tlsrptv1; rua=mailto:a@example.com"],
                false,
                &["tlsrpt.version.case", "tlsrpt.record.none"],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:a%2zb@example.com"],
                false,
                &["tlsrpt.rua.invalid", "tlsrpt.rua.none_usable"],
            ),
            (
                &["v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com"],
                true,
                &["tlsrpt.field.duplicate"],
            ),
            (
                &["v=TLSRPTv1 ; rua=mailto:a@example.com"],
                true,
                &["tlsrpt.version.space_before_delimiter"],
            ),
        ];
        for (records, valid, expected) in cases {
            let (v, got) = codes(records);
            assert_eq!((v, got.as_slice()), (*valid, *expected), "{records:?}");
        }
    }

    #[test]
    fn parsed_rua_list() {
        let l = lint(&[vec![
            "v=TLSRPTv1; rua=mailto:a@example.com, https://r.example.com/x".into(),
        ]]);
        assert_eq!(
            l.record.unwrap().rua,
            ["mailto:a@example.com", "https://r.example.com/x"]
        );
    }
}
