//! The `_mta-sts.<domain>` TXT record set (RFC 8461 §3.1).
//!
//! ```text
//! sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//! sts-field       = sts-id / sts-extension
//! sts-version     = %s"v=STSv1"
//! sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//! ```
//!
//! "If multiple TXT records for `_mta-sts` are returned by the resolver, records that do not
//! begin with `v=STSv1;` are discarded. If the number of resulting records is not one, or if the
//! resulting record is syntactically invalid, senders MUST assume the recipient domain does not
//! have an available MTA-STS Policy" (§3.1).

use serde::Serialize;

use crate::catalog::Code;
use crate::finding::Finding;
use crate::txt::{self, TxtRecord, Vocabulary};

const VOCAB: Vocabulary = Vocabulary {
    version: "v=STSv1",
    none: Code::StsNone,
    multiple: Code::StsMultiple,
    discarded: Code::StsDiscarded,
    version_case: Code::StsVersionCase,
    space_before_delimiter: Code::StsVersionSpace,
    non_ascii: Code::StsNonAscii,
    empty_field: Code::StsEmptyField,
    trailing_whitespace: Code::StsTrailingWhitespace,
    leading_whitespace: Code::StsLeadingWhitespace,
    field_syntax: Code::StsSyntax,
    ext_name: Code::StsExtensionName,
    ext_value: Code::StsExtensionValue,
    duplicate: Code::StsDuplicateField,
};

/// The longest `id` (RFC 8461 §3.1: `1*32(ALPHA / DIGIT)`).
pub const MAX_ID_LEN: usize = 32;

/// What a conforming sender takes from the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StsRecord {
    pub id: String,
    /// Extension fields, in order, as `(name, value)`.
    pub extensions: Vec<(String, String)>,
}

/// The outcome of validating a `_mta-sts` record set.
pub type StsTxtLint = txt::SetLint<StsRecord>;

/// Validates the TXT record set found at `_mta-sts.<domain>`.
pub fn lint(records: &[TxtRecord]) -> StsTxtLint {
    txt::lint_set(records, &VOCAB, parse_one)
}

fn parse_one(cand: &txt::Candidate, findings: &mut Vec<Finding>) -> Option<StsRecord> {
    let fields = txt::fields(cand, &VOCAB, &["id"], findings);
    let mut id = None;
    let mut extensions = Vec::new();
    for f in fields {
        if f.name == "id" {
            check_id(&f, cand.number, findings);
            id = Some(f.value);
        } else {
            extensions.push((f.name, f.value));
        }
    }
    if id.is_none() {
        let hint = extensions
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("id"))
            .map(|(n, _)| format!(" (\"{n}=\" is not \"id=\": field names are case-sensitive)"))
            .unwrap_or_default();
        findings.push(
            Finding::new(
                Code::StsIdMissing,
                format!("the record has no id= field{hint}"),
            )
            .at(cand.number, 1),
        );
    }
    id.map(|id| StsRecord { id, extensions })
}

fn check_id(f: &txt::Field, line: u32, findings: &mut Vec<Finding>) {
    let v = &f.value;
    if v.is_empty() {
        findings.push(
            Finding::new(
                Code::StsIdInvalid,
                "id= is empty; it needs 1 to 32 letters or digits",
            )
            .at(line, f.value_column),
        );
    } else if let Some((i, c)) = v.char_indices().find(|(_, c)| !c.is_ascii_alphanumeric()) {
        findings.push(
            Finding::new(
                Code::StsIdInvalid,
                format!(
                    "id \"{v}\" contains {}; only letters and digits are allowed",
                    txt::describe(c)
                ),
            )
            .at(line, f.value_column + v[..i].chars().count() as u32),
        );
    } else if v.len() > MAX_ID_LEN {
        findings.push(
            Finding::new(
                Code::StsIdTooLong,
                format!(
                    "id is {} characters long; the limit is {MAX_ID_LEN}",
                    v.len()
                ),
            )
            .at(line, f.value_column),
        );
    }
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
            (&["v=STSv1; id=20160831085700Z"], true, &[]),
            (&["v=STSv1;id=1"], true, &[]),
            (&["v=STSv1; id=1;"], true, &[]),
            (&["v=STSv1; id=1; "], true, &[]),
            (
                &["v=STSv1 ; id=1"],
                true,
                &["sts.version.space_before_delimiter"],
            ),
            (&["v=STSv1;; id=1"], false, &["sts.field.empty"]),
            (
                &["v=STSv1; id=1 "],
                false,
                &["sts.record.trailing_whitespace"],
            ),
            (&["v=STSv1"], false, &["sts.id.missing"]),
            (&["v=STSv1; ID=1"], false, &["sts.id.missing"]),
            (
                &["V=STSv1; id=1"],
                false,
                &["sts.version.case", "sts.record.none"],
            ),
            (
                &["v=stsv1; id=1"],
                false,
                &["sts.version.case", "sts.record.none"],
            ),
            (
                &[" v=STSv1; id=1"],
                false,
                &["sts.record.leading_whitespace", "sts.record.none"],
            ),
            (&["v=STSv1; id=abc-1"], false, &["sts.id.invalid"]),
            (&["v=STSv1; id="], false, &["sts.id.invalid"]),
            (
                &["v=STSv1; id=123456789012345678901234567890123"],
                false,
                &["sts.id.too_long"],
            ),
            (&["v=STSv1; id=1; id=2"], true, &["sts.field.duplicate"]),
            (
                &["v=STSv1; id=1", "v=STSv1; id=2"],
                false,
                &["sts.record.multiple"],
            ),
            (
                &["v=spf1 -all", "v=STSv1; id=1"],
                true,
                &["sts.record.discarded"],
            ),
            (&[], false, &["sts.record.none"]),
            (&["v=STSv1; id=1; ext=val"], true, &[]),
            (&["v=STSv1; id=1; _ext=val"], false, &["sts.extension.name"]),
            (&["v=STSv1; id=1; ext=a=b"], false, &["sts.extension.value"]),
            (&["v=STSv1; id=1; ext"], false, &["sts.field.syntax"]),
            (&["v=STSv1; id = 1"], false, &["sts.field.syntax"]),
            (
                &["v=STSv1; id=1; n=\u{e9}"],
                false,
                &["sts.record.non_ascii", "sts.extension.value"],
            ),
            (
                &["v=STSv10; id=1"],
                false,
                &["sts.record.discarded", "sts.record.none"],
            ),
        ];
        for (records, valid, expected) in cases {
            let (v, got) = codes(records);
            assert_eq!((v, got.as_slice()), (*valid, *expected), "{records:?}");
        }
    }

    #[test]
    fn strings_are_joined_without_spaces() {
        let l = lint(&[vec!["v=STSv1; id=2016".into(), "0831".into()]]);
        assert!(l.valid);
        assert_eq!(l.record.unwrap().id, "20160831");
    }

    #[test]
    fn findings_point_at_the_offending_column() {
        let l = lint(&[vec!["v=STSv1; id=ab_c".into()]]);
        let f = &l.findings[0];
        assert_eq!(f.location.map(|l| (l.line, l.column)), Some((1, 15)));
    }
}
