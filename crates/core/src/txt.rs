//! What the `_mta-sts` (RFC 8461 §3.1) and `_smtp._tls` (RFC 8460 §3) TXT records share:
//! selecting the one record from the set the resolver returned, and splitting it into fields.
//!
//! Both grammars have the same shape:
//!
//! ```text
//! record      = version 1*(field-delim field) [field-delim]
//! field-delim = *WSP ";" *WSP
//! ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)   ; printable ASCII except "=", ";" and space
//! ```
//!
//! and the same discovery rule: "records that do not begin with `v=…;` are discarded. If the
//! number of resulting records is not one, … senders MUST assume the recipient domain does not
//! [implement it]." Locations in findings are `line` = record number (1-based, in the order
//! given) and `column` = character column in the record with its strings joined.

use crate::catalog::Code;
use crate::finding::{Finding, FindingsExt};

/// What kind of record an unrelated TXT record is, when it is a well-known one.
fn unrelated_kind(text: &str) -> Option<&'static str> {
    let t = text.trim_start().to_ascii_lowercase();
    [
        ("v=spf1", "an SPF"),
        ("v=dmarc1", "a DMARC"),
        ("v=dkim1", "a DKIM"),
        ("v=bimi1", "a BIMI"),
        ("v=stsv1", "an MTA-STS"),
        ("v=tlsrptv1", "a TLS-RPT"),
        ("google-site-verification=", "a Google site-verification"),
        ("ms=", "a Microsoft domain-verification"),
    ]
    .iter()
    .find(|(prefix, _)| t.starts_with(prefix))
    .map(|(_, kind)| *kind)
}

/// One TXT record as the resolver returned it: its character-strings, in order.
pub type TxtRecord = Vec<String>;

/// The codes one record kind uses for the shared syntax rules.
pub(crate) struct Vocabulary {
    /// The exact, case-sensitive version field, e.g. `v=STSv1`.
    pub version: &'static str,
    pub none: Code,
    pub multiple: Code,
    pub discarded: Code,
    pub version_case: Code,
    pub space_before_delimiter: Code,
    pub non_ascii: Code,
    pub empty_field: Code,
    pub trailing_whitespace: Code,
    pub leading_whitespace: Code,
    pub field_syntax: Code,
    pub ext_name: Code,
    pub ext_value: Code,
    pub duplicate: Code,
}

/// The outcome of validating a TXT record set of one kind.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SetLint<R> {
    pub valid: bool,
    pub findings: Vec<Finding>,
    /// The record a sender would use; `None` unless the set yields exactly one record with
    /// its required fields.
    pub record: Option<R>,
    /// How many records began with the version tag.
    pub candidates: usize,
}

/// Selects the candidates, parses each with `parse_one`, and keeps the one record a sender
/// would use.
pub(crate) fn lint_set<R: Clone>(
    records: &[TxtRecord],
    vocab: &Vocabulary,
    parse_one: impl Fn(&Candidate, &mut Vec<Finding>) -> Option<R>,
) -> SetLint<R> {
    let mut findings = Vec::new();
    let candidates = select(records, vocab, &mut findings);
    let parsed: Vec<Option<R>> = candidates
        .iter()
        .map(|c| parse_one(c, &mut findings))
        .collect();
    let record = match parsed.as_slice() {
        [Some(r)] => Some(r.clone()),
        _ => None,
    };
    SetLint {
        valid: findings.no_errors() && record.is_some(),
        findings,
        record,
        candidates: candidates.len(),
    }
}

/// A record that survived the discard rule.
pub(crate) struct Candidate {
    /// 1-based position in the record set.
    pub number: u32,
    pub text: String,
}

/// Joins each record's strings (RFC 8461 §3.1: "the strings are concatenated together without
/// adding spaces"), discards the records that are not of this kind, and reports on the set.
/// Returns the surviving records; exactly one must survive.
pub(crate) fn select(
    records: &[TxtRecord],
    vocab: &Vocabulary,
    findings: &mut Vec<Finding>,
) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    let wildcard_like = records
        .iter()
        .map(|r| r.concat())
        .all(|t| !t.starts_with(vocab.version) && unrelated_kind(&t).is_some());
    for (i, strings) in records.iter().enumerate() {
        let number = i as u32 + 1;
        let text: String = strings.concat();
        let tag = vocab.version;
        let head = text.get(..tag.len());
        let after = text.get(tag.len()..).and_then(|r| r.chars().next());
        if head == Some(tag) && matches!(after, None | Some(';' | ' ' | '\t')) {
            candidates.push(Candidate { number, text });
        } else if head.is_some_and(|h| h.eq_ignore_ascii_case(tag) && h != tag) {
            findings.push(
                Finding::new(
                    vocab.version_case,
                    format!(
                        "record {number} starts with \"{}\" but the version must be exactly \"{tag}\" (case-sensitive); senders discard this record",
                        head.unwrap_or_default()
                    ),
                )
                .at(number, 1),
            );
        } else if text.starts_with([' ', '\t']) && text.trim_start().starts_with(tag) {
            findings.push(
                Finding::new(
                    vocab.leading_whitespace,
                    format!(
                        "record {number} has white space before \"{tag}\"; the record must begin with it, so senders discard this record"
                    ),
                )
                .at(number, 1),
            );
        } else {
            let shown: String = text.chars().take(40).collect();
            // A record that belongs elsewhere (SPF, DMARC …) usually comes from a wildcard
            // TXT record (*.domain), which answers only names with no records of their own
            // (RFC 4592 §3.3.1): when the name has other records, it was published here.
            let message = match (unrelated_kind(&text), wildcard_like) {
                (Some(kind), true) => format!("record {number} (\"{shown}\") is {kind} record, not {tag}, and is ignored; it probably comes from a wildcard TXT record"),
                (Some(kind), false) => format!("record {number} (\"{shown}\") is {kind} record, not {tag}, published at this name by mistake, and is ignored"),
                (None, _) => format!("record {number} (\"{shown}\") does not begin with \"{tag};\" and is ignored"),
            };
            findings.push(Finding::new(vocab.discarded, message).at(number, 1));
        }
    }
    match candidates.len() {
        0 => findings.push(Finding::new(
            vocab.none,
            if records.is_empty() {
                "there is no TXT record at this name".to_string()
            } else {
                format!("none of the {} TXT records begins with \"{};\"", records.len(), vocab.version)
            },
        )),
        1 => {}
        n => findings.push(Finding::new(
            vocab.multiple,
            format!(
                "{n} records begin with \"{}\" (records {}); exactly one is allowed, so senders ignore them all",
                vocab.version,
                candidates
                    .iter()
                    .map(|c| c.number.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
    candidates
}

/// One `name=value` field of a record.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: String,
    pub value: String,
    /// 1-based character column of the value.
    pub value_column: u32,
}

/// Splits a record (whose version the caller already knows is first) into its fields, checking
/// the shared syntax. Field values are returned as written; extension values are checked here,
/// known fields' values by the caller.
pub(crate) fn fields(
    cand: &Candidate,
    vocab: &Vocabulary,
    known: &[&str],
    findings: &mut Vec<Finding>,
) -> Vec<Field> {
    let text = &cand.text;
    let line = cand.number;
    if let Some((idx, ch)) = text.char_indices().find(|(_, c)| !c.is_ascii()) {
        findings.push(
            Finding::new(
                vocab.non_ascii,
                format!("the record contains the non-ASCII character U+{:04X}; these records are US-ASCII only", ch as u32),
            )
            .at(line, col(text, idx)),
        );
    }
    if let Some((idx, ch)) = text
        .char_indices()
        .find(|(_, c)| c.is_ascii_control() && *c != '\t')
    {
        findings.push(
            Finding::new(
                vocab.field_syntax,
                format!(
                    "the record contains the control character U+{:04X}",
                    ch as u32
                ),
            )
            .at(line, col(text, idx)),
        );
    }

    // Split on ";" remembering byte offsets.
    let mut pieces: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ';' {
            pieces.push((start, &text[start..i]));
            start = i + 1;
        }
    }
    pieces.push((start, &text[start..]));
    let last = pieces.len() - 1;

    let mut out: Vec<Field> = Vec::new();
    for (n, &(offset, raw)) in pieces.iter().enumerate() {
        let is_wsp = |c: char| c == ' ' || c == '\t';
        let trimmed_start = raw.trim_start_matches(is_wsp);
        let trimmed = trimmed_start.trim_end_matches(is_wsp);
        let lead = raw.len() - trimmed_start.len();
        let field_offset = offset + lead;

        if n == 0 {
            // The version field; `select` made sure the record begins with it.
            if raw.len() != trimmed.len() {
                findings.push(
                    Finding::new(
                        vocab.space_before_delimiter,
                        format!(
                            "white space between \"{}\" and \";\": the grammar allows it, but senders that look for the literal prefix \"{};\" discard the record",
                            vocab.version, vocab.version
                        ),
                    )
                    .at(line, col(text, offset + trimmed.len())),
                );
            }
            if trimmed != vocab.version {
                findings.push(
                    Finding::new(
                        vocab.field_syntax,
                        format!("the version field is \"{trimmed}\"; it must be exactly \"{}\" followed by \";\"", vocab.version),
                    )
                    .at(line, 1),
                );
            }
            continue;
        }
        if trimmed.is_empty() {
            if n == last {
                // The optional trailing delimiter (and white space after it).
                continue;
            }
            findings.push(
                Finding::new(
                    vocab.empty_field,
                    "two \";\" with no field between them; the grammar requires a field after every \";\" except the last",
                )
                .at(line, col(text, offset)),
            );
            continue;
        }
        if n == last && trimmed_start.len() != trimmed.len() {
            findings.push(
                Finding::new(
                    vocab.trailing_whitespace,
                    "the record ends in white space after the last field; only a \";\" may be followed by white space",
                )
                .at(line, col(text, field_offset + trimmed.len())),
            );
        }
        let column = col(text, field_offset);
        let Some((name, value)) = trimmed.split_once('=') else {
            findings.push(
                Finding::new(
                    vocab.field_syntax,
                    format!("\"{trimmed}\" is not a name=value field"),
                )
                .at(line, column),
            );
            continue;
        };
        let value_column = col(text, field_offset + name.len() + 1);
        if name.ends_with([' ', '\t']) || value.starts_with([' ', '\t']) {
            findings.push(
                Finding::new(
                    vocab.field_syntax,
                    format!("\"{trimmed}\" has white space around \"=\"; write {}={} with nothing between", name.trim(), value.trim()),
                )
                .at(line, column),
            );
        }
        let name = name.trim_end_matches(is_wsp);
        let value = value.trim_start_matches(is_wsp);
        if !valid_ext_name(name) {
            findings.push(
                Finding::new(
                    vocab.ext_name,
                    format!("\"{name}\" is not a valid field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')"),
                )
                .at(line, column),
            );
            continue;
        }
        // The version tag opens the record; "v" again later is a repeated field, not an
        // extension (RFC 8461 §3.1 / RFC 8460 §3: the first occurrence counts).
        let tag = vocab.version.split('=').next().unwrap_or("v");
        if name == tag {
            findings.push(
                Finding::new(
                    vocab.duplicate,
                    format!("\"{name}={value}\" repeats the version field; this check reads the first, at the start of the record"),
                )
                .at(line, column),
            );
            continue;
        }
        if let Some(prev) = out.iter().find(|f| f.name == name) {
            let same = if prev.value == value {
                "the same value"
            } else {
                "a different value"
            };
            findings.push(
                Finding::new(
                    vocab.duplicate,
                    format!(
                        "\"{name}\" appears again (with {same}, \"{value}\"); this check reads the first, \"{}\", but implementations differ (some keep the last), so senders may disagree",
                        prev.value
                    ),
                )
                .at(line, column),
            );
            continue;
        }
        if !known.contains(&name) {
            if let Some(bad) = value.char_indices().find(|&(_, c)| !is_ext_value_char(c)) {
                findings.push(
                    Finding::new(
                        vocab.ext_value,
                        format!(
                            "the value of \"{name}\" contains {}, which an extension value cannot",
                            describe(bad.1)
                        ),
                    )
                    .at(line, col(text, field_offset + name.len() + 1 + bad.0)),
                );
            } else if value.is_empty() {
                findings.push(
                    Finding::new(vocab.ext_value, format!("\"{name}\" has an empty value"))
                        .at(line, value_column),
                );
            }
        }
        out.push(Field {
            name: name.to_string(),
            value: value.to_string(),
            value_column,
        });
    }
    out
}

/// `ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")` (RFC 8461 §3.1, §3.2;
/// RFC 8460 §3).
pub(crate) fn valid_ext_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// `%x21-3A / %x3C / %x3E-7E`: printable ASCII except ";", "=" and space.
pub(crate) fn is_ext_value_char(c: char) -> bool {
    matches!(c, '\x21'..='\x3a' | '\x3c' | '\x3e'..='\x7e')
}

pub(crate) fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        c if c.is_ascii_graphic() => format!("'{c}'"),
        c => format!("U+{:04X}", c as u32),
    }
}

/// 1-based character column of a byte offset.
pub(crate) fn col(text: &str, byte_offset: usize) -> u32 {
    let end = byte_offset.min(text.len());
    text[..end].chars().count() as u32 + 1
}
