//! The policy file served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`
//! (RFC 8461 §3.2).
//!
//! ```text
//! sts-policy-record   = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP)
//!                       [sts-policy-term]
//! sts-policy-field-delim = ":" *WSP
//! sts-policy-version  = %s"version" ":" *WSP %s"STSv1"
//! sts-policy-mode     = %s"mode" ":" *WSP (%s"testing" / %s"enforce" / %s"none")
//! sts-policy-max-age  = %s"max_age" ":" *WSP 1*10(DIGIT)     ; at most 31557600
//! sts-policy-mx       = %s"mx" ":" *WSP ["*."] Domain
//! sts-policy-term     = LF / CRLF
//! sts-policy-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]
//! ```
//!
//! "Parsers MUST accept TXT records and policy files that are syntactically valid … and that
//! possibly contain additional key-value pairs not specified in this document, in which case
//! unknown fields SHOULD be ignored. If any field is duplicated, all but the first instance
//! MUST be ignored" (§3.2; `mx` is the one field meant to repeat).
//!
//! The parser reads every line, reports every deviation, and builds what a lenient sender would
//! use, so even an invalid policy shows what was understood.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::catalog::Code;
use crate::finding::{Finding, FindingsExt};
use crate::mx::{self, MxPattern};
use crate::txt;

/// RFC 8461 §3.2: "max_age: Max lifetime of the policy (plaintext non-negative integer
/// seconds, maximum value of 31557600)".
pub const MAX_AGE_LIMIT: u64 = 31_557_600;
/// §3.3: "a suggested maximum policy size of 64 kilobytes".
pub const MAX_POLICY_SIZE: usize = 64 * 1024;
/// Below a day a policy is re-fetched so often that it protects little (advice threshold).
pub const SHORT_MAX_AGE: u64 = 86_400;
/// §3.2 recommends "weeks or greater" for `max_age` once a policy is enforced.
pub const ENFORCE_MIN_MAX_AGE: u64 = 604_800;

/// The policy mode (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforce,
    Testing,
    None,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }

    /// Parses the exact, case-sensitive keyword.
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "enforce" => Some(Mode::Enforce),
            "testing" => Some(Mode::Testing),
            "none" => Some(Mode::None),
            _ => None,
        }
    }
}

/// What a sender takes from the policy. For an invalid policy these are the values a lenient
/// reader would have understood (any may be missing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub version: Option<String>,
    pub mode: Option<Mode>,
    pub max_age: Option<u64>,
    /// Valid `mx` patterns in canonical form (lower case, no trailing dot), in file order.
    pub mx: Vec<String>,
    /// Extension fields as `(name, value)`.
    pub extensions: Vec<(String, String)>,
    #[serde(skip)]
    pub patterns: Vec<MxPattern>,
}

impl Policy {
    /// The canonical text of this policy: CRLF line ends (as RFC 8461 §3.2 describes),
    /// fields in the RFC's order, canonical mx patterns, extensions last. Missing fields are
    /// left out, so only a valid policy renders to a valid one.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(v) = &self.version {
            out.push_str(&format!("version: {v}\r\n"));
        }
        if let Some(m) = self.mode {
            out.push_str(&format!("mode: {}\r\n", m.as_str()));
        }
        for mx in &self.mx {
            out.push_str(&format!("mx: {mx}\r\n"));
        }
        if let Some(a) = self.max_age {
            out.push_str(&format!("max_age: {a}\r\n"));
        }
        for (k, v) in &self.extensions {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out
    }
}

/// The outcome of validating a policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyLint {
    pub valid: bool,
    pub findings: Vec<Finding>,
    pub policy: Policy,
}

/// One physical line of the file.
struct Line<'a> {
    number: u32,
    text: &'a str,
    /// What ended it: "\n", "\r\n", "\r" or "" at end of input.
    term: &'static str,
}

/// Validates a policy file from the raw bytes of the HTTP response body.
pub fn lint(body: &[u8]) -> PolicyLint {
    let mut findings = Vec::new();
    let mut bytes = body;
    if body.len() > MAX_POLICY_SIZE {
        findings.push(Finding::new(
            Code::PolicyTooLarge,
            format!(
                "the policy is {} bytes; RFC 8461 §3.3 suggests senders treat more than {} bytes (64 KiB) as a failed fetch, as postfix-mta-sts-resolver does; only the first 64 KiB were read",
                body.len(),
                MAX_POLICY_SIZE
            ),
        ));
        // What senders read, at most: the parser looks no further (up to the last whole line,
        // so the cut itself is not reported as a broken line).
        let head = &body[..MAX_POLICY_SIZE];
        bytes = head
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(head, |end| &head[..=end]);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        findings.push(
            Finding::new(
                Code::PolicyBom,
                "the file starts with a UTF-8 byte order mark; senders that do not strip it read the first field name as \"version\" preceded by an invisible U+FEFF and find no version",
            )
            .at(1, 1),
        );
        bytes = rest;
    }
    let text: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
            findings.push(
                Finding::new(
                    Code::PolicyNotUtf8,
                    "the file is not valid UTF-8; save it as UTF-8 (plain ASCII is best)",
                )
                .at(line, column),
            );
            String::from_utf8_lossy(bytes)
        }
    };
    let mut policy = Policy::default();
    parse_text(&text, &mut policy, &mut findings);
    // Located findings in file order, then the ones about the whole file.
    crate::order::sort_by_key(&mut findings, |f| {
        f.location.map_or((u32::MAX, 0), |l| (l.line, l.column))
    });
    let valid = findings.no_errors();
    let findings = crate::finding::cap_repeats(findings, crate::finding::MAX_PER_CODE);
    PolicyLint {
        valid,
        findings,
        policy,
    }
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    // A policy has a handful of lines: room for them at once, not grown twice.
    let mut lines = Vec::with_capacity(8);
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut number = 1;
    while let Some(at) = memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
        i += at;
        let (term, len) = match bytes[i] {
            b'\n' => ("\n", 1),
            _ if bytes.get(i + 1) == Some(&b'\n') => ("\r\n", 2),
            _ => ("\r", 1),
        };
        lines.push(Line {
            number,
            text: &text[start..i],
            term,
        });
        number += 1;
        i += len;
        start = i;
    }
    lines.push(Line {
        number,
        text: &text[start..],
        term: "",
    });
    lines
}

#[derive(Default)]
struct Seen<'a> {
    /// The first value of each single-valued field (the one senders use).
    version: Option<&'a str>,
    mode: Option<&'a str>,
    max_age: Option<&'a str>,
    /// Case variants of required names found (e.g. `Mode:`), so "missing" can say why.
    case_variant: Vec<&'static str>,
    patterns: PatternIndex,
    /// Where the values of `mode` and `max_age` start, so advice points at them.
    mode_at: Option<(u32, u32)>,
    max_age_at: Option<(u32, u32)>,
}

/// FNV-1a (hand-written: ten lines). The pattern index hashes host names of at most 64 KiB of
/// policy, where SipHash's flooding resistance buys nothing and cost a tenth of the lint.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Looks up the `mx` patterns seen so far (the ones in `Policy::mx`/`Policy::patterns`), so
/// duplicate and redundancy checks stay linear in the number of lines (a policy file read by
/// the CLI may be large). A policy has a few patterns: below [`PatternIndex::MAPS_FROM`] they
/// are scanned, which costs less than hashing them; from there on, hash maps are built once
/// and kept up to date.
#[derive(Default)]
struct PatternIndex {
    maps: Option<PatternMaps>,
}

#[derive(Default)]
struct PatternMaps {
    /// The patterns as displayed (`*.` marks a wildcard).
    seen: HashSet<String, FnvBuild>,
    /// Base → index in `Policy::mx` of the first `*.base` pattern.
    wildcards: HashMap<String, usize, FnvBuild>,
    /// Parent name → index in `Policy::mx` of the first exact host directly under it.
    exact_by_parent: HashMap<String, usize, FnvBuild>,
}

/// The name an exact host sits directly under (`mx1.example.com` → `example.com`).
fn parent(base: &str) -> Option<&str> {
    base.split_once('.').map(|(_, rest)| rest)
}

impl PatternMaps {
    /// Adds pattern `at` (not a duplicate of an earlier one).
    fn add(&mut self, p: &MxPattern, shown: &str, at: usize) {
        self.seen.insert(shown.to_string());
        if p.wildcard {
            self.wildcards.entry(p.base.clone()).or_insert(at);
        } else if let Some(parent) = parent(&p.base) {
            if !self.exact_by_parent.contains_key(parent) {
                self.exact_by_parent.insert(parent.to_string(), at);
            }
        }
    }
}

impl PatternIndex {
    const MAPS_FROM: usize = 16;

    /// Whether `shown` was listed before.
    fn listed(&mut self, shown: &str, policy: &Policy) -> bool {
        if self.maps.is_none() && policy.mx.len() >= Self::MAPS_FROM {
            let mut maps = PatternMaps::default();
            for (i, (p, shown)) in policy.patterns.iter().zip(&policy.mx).enumerate() {
                if !maps.seen.contains(shown.as_str()) {
                    maps.add(p, shown, i);
                }
            }
            self.maps = Some(maps);
        }
        match &self.maps {
            Some(m) => m.seen.contains(shown),
            None => policy.mx.iter().any(|m| m == shown),
        }
    }

    /// The first wildcard `*.base`.
    fn wildcard(&self, base: &str, policy: &Policy) -> Option<usize> {
        match &self.maps {
            Some(m) => m.wildcards.get(base).copied(),
            None => policy
                .patterns
                .iter()
                .position(|q| q.wildcard && q.base == base),
        }
    }

    /// The first exact host directly under `name`.
    fn exact_under(&self, name: &str, policy: &Policy) -> Option<usize> {
        match &self.maps {
            Some(m) => m.exact_by_parent.get(name).copied(),
            None => policy
                .patterns
                .iter()
                .position(|q| !q.wildcard && parent(&q.base) == Some(name)),
        }
    }

    /// Records a new pattern, about to be added at `at`.
    fn add(&mut self, p: &MxPattern, shown: &str, at: usize) {
        if let Some(m) = &mut self.maps {
            m.add(p, shown, at);
        }
    }
}

fn parse_text(text: &str, policy: &mut Policy, findings: &mut Vec<Finding>) {
    if text.trim().is_empty() {
        findings.push(Finding::new(Code::PolicyEmpty, "the policy file is empty").at(1, 1));
        return;
    }
    let lines = split_lines(text);
    let has_cr_only = lines.iter().find(|l| l.term == "\r");
    if let Some(l) = has_cr_only {
        findings.push(
            Finding::new(
                Code::PolicyCrLineEnding,
                "lines end in a bare CR (old Mac style); the grammar allows only LF or CRLF, so senders that follow it see one long line and discard the policy (lenient ones, such as postfix-mta-sts-resolver, split on CR and read it)",
            )
            .at(l.number, txt::col(l.text, l.text.len())),
        );
    }
    let crlf = lines.iter().filter(|l| l.term == "\r\n").count();
    let lf = lines.iter().filter(|l| l.term == "\n").count();
    if crlf > 0 && lf > 0 {
        let first_lf = lines
            .iter()
            .find(|l| l.term == "\n")
            .map_or(1, |l| l.number);
        findings.push(
            Finding::new(
                Code::PolicyMixedLineEndings,
                format!("{crlf} lines end in CRLF and {lf} in LF; the grammar allows both, but one style is cleaner"),
            )
            .at(first_lf, 1),
        );
    }

    let last_index = lines.len() - 1;
    let mut seen = Seen::default();
    for (idx, line) in lines.iter().enumerate() {
        let is_final_empty = idx == last_index && line.text.is_empty();
        if is_final_empty {
            continue;
        }
        parse_line(line, policy, &mut seen, findings);
    }

    let missing = |name: &'static str, code: Code, findings: &mut Vec<Finding>, seen: &Seen<'_>| {
        if !seen.case_variant.contains(&name) {
            findings.push(Finding::new(
                code,
                format!("the policy has no \"{name}:\" line"),
            ));
        }
    };
    if seen.version.is_none() {
        missing("version", Code::PolicyVersionMissing, findings, &seen);
    }
    if seen.mode.is_none() {
        missing("mode", Code::PolicyModeMissing, findings, &seen);
    }
    if seen.max_age.is_none() {
        missing("max_age", Code::PolicyMaxAgeMissing, findings, &seen);
    }
    if policy.mx.is_empty()
        && matches!(policy.mode, Some(Mode::Enforce | Mode::Testing))
        && !seen.case_variant.contains(&"mx")
    {
        let has_bad_mx = findings.iter().any(|f| {
            matches!(
                f.code,
                Code::PolicyMxInvalid
                    | Code::PolicyMxIpLiteral
                    | Code::PolicyMxWildcard
                    | Code::PolicyMxULabel
            )
        });
        if !has_bad_mx {
            findings.push(Finding::new(
                Code::PolicyMxMissing,
                "the policy has no \"mx:\" line; every mode except none needs at least one",
            ));
        }
    }
    advise(policy, &seen, findings);
}

fn parse_line<'a>(
    line: &Line<'a>,
    policy: &mut Policy,
    seen: &mut Seen<'a>,
    findings: &mut Vec<Finding>,
) {
    let n = line.number;
    let raw = line.text;
    let is_wsp = |c: char| c == ' ' || c == '\t';
    if raw.trim_matches(is_wsp).is_empty() {
        findings.push(
            Finding::new(
                Code::PolicyBlankLine,
                "blank line: the grammar has none, so senders that follow it discard the whole policy (lenient ones, such as postfix-mta-sts-resolver, skip the line)",
            )
            .at(n, 1),
        );
        return;
    }
    // Controls are C0 (below 0x20), DEL and C1 (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8):
    // found by their bytes, then read as a character (a byte below 0x80 or 0xC2 starts one).
    let bytes = raw.as_bytes();
    // Most lines have none: a pass without early exit over the bytes (which the compiler turns
    // into vector code) decides whether to look for where.
    let suspect = bytes.iter().fold(false, |any, &b| {
        any | ((b < 0x20) & (b != b'\t')) | (b == 0x7f) | (b == 0xc2)
    });
    let control_at = suspect
        .then(|| {
            bytes.iter().enumerate().position(|(i, &b)| {
                (b < 0x20 && b != b'\t')
                    || b == 0x7f
                    || (b == 0xc2 && bytes.get(i + 1).is_some_and(|c| (0x80..0xa0).contains(c)))
            })
        })
        .flatten();
    if let Some((i, c)) =
        control_at.and_then(|i| raw.get(i..).and_then(|r| r.chars().next()).map(|c| (i, c)))
    {
        findings.push(
            Finding::new(
                Code::PolicyControlChar,
                format!("control character U+{:04X} in the line", c as u32),
            )
            .at(n, txt::col(raw, i)),
        );
    }
    let body = raw.trim_start_matches(is_wsp);
    let lead = raw.len() - body.len();
    if lead > 0 {
        findings.push(
            Finding::new(
                Code::PolicyLeadingWhitespace,
                "the line starts with white space; field names must start at the beginning of the line",
            )
            .at(n, 1),
        );
    }
    let trimmed = body.trim_end_matches(is_wsp);
    if trimmed.len() != body.len() {
        findings.push(
            Finding::new(
                Code::PolicyTrailingWhitespace,
                "trailing white space: the grammar allows it, but some parsers keep it as part of the value",
            )
            .at(n, txt::col(raw, lead + trimmed.len())),
        );
    }
    let colon = trimmed.bytes().position(|b| b == b':');
    let Some((key_raw, value_raw)) = colon.map(|i| (&trimmed[..i], &trimmed[i + 1..])) else {
        findings.push(
            Finding::new(
                Code::PolicyLineSyntax,
                format!("\"{}\" is not a \"key: value\" line", shorten(trimmed)),
            )
            .at(n, 1 + lead as u32),
        );
        return;
    };
    let key = key_raw.trim_end_matches(is_wsp);
    if key.len() != key_raw.len() {
        findings.push(
            Finding::new(
                Code::PolicySpaceBeforeColon,
                format!("white space between \"{key}\" and \":\"; write \"{key}:\""),
            )
            .at(n, txt::col(raw, lead + key.len())),
        );
    }
    let value = value_raw.trim_start_matches(is_wsp);
    let value_offset = lead + key_raw.len() + 1 + (value_raw.len() - value.len());
    let value_col = txt::col(raw, value_offset);
    let key_col = txt::col(raw, lead);

    if !txt::valid_ext_name(key) {
        findings.push(
            Finding::new(
                Code::PolicyFieldName,
                format!("\"{key}\" is not a valid field name (a letter or digit, then up to 31 letters, digits, '_', '-' or '.')"),
            )
            .at(n, key_col),
        );
        return;
    }

    match key {
        "version" => {
            if first(&mut seen.version, key, value, n, key_col, findings) {
                if value != "STSv1" {
                    findings.push(
                        Finding::new(
                            Code::PolicyVersionInvalid,
                            format!("version is \"{value}\"; it must be exactly \"STSv1\""),
                        )
                        .at(n, value_col),
                    );
                }
                policy.version = Some(value.to_string());
            }
        }
        "mode" => {
            if first(&mut seen.mode, key, value, n, key_col, findings) {
                match Mode::parse(value) {
                    Some(m) => {
                        policy.mode = Some(m);
                        seen.mode_at = Some((n, value_col));
                    }
                    None => {
                        let hint = Mode::parse(&value.to_ascii_lowercase())
                            .map(|m| {
                                format!(" (write \"{}\": the value is case-sensitive)", m.as_str())
                            })
                            .unwrap_or_default();
                        findings.push(
                            Finding::new(
                                Code::PolicyModeInvalid,
                                format!("mode is \"{value}\"; it must be enforce, testing or none{hint}"),
                            )
                            .at(n, value_col),
                        );
                    }
                }
            }
        }
        "max_age" => {
            if first(&mut seen.max_age, key, value, n, key_col, findings) {
                policy.max_age = parse_max_age(value, n, value_col, findings);
                seen.max_age_at = Some((n, value_col));
            }
        }
        "mx" => match mx::parse_pattern(value) {
            Ok(p) => {
                if value.ends_with('.') {
                    findings.push(
                        Finding::new(
                            Code::PolicyMxTrailingDot,
                            format!("\"{value}\" ends with a dot: the grammar does not allow it, and parsers that follow the grammar reject the whole policy"),
                        )
                        .at(n, value_col + value.chars().count() as u32 - 1),
                    );
                }
                let shown = p.display();
                check_new_pattern(
                    &p,
                    &shown,
                    policy,
                    &mut seen.patterns,
                    n,
                    value_col,
                    findings,
                );
                policy.mx.push(shown);
                policy.patterns.push(p);
            }
            Err(e) => {
                let col = value_col + txt::col(value, e.offset()) - 1;
                findings.push(Finding::new(e.code(), e.message(value)).at(n, col));
            }
        },
        other => {
            if let Some(known) = ["version", "mode", "max_age", "mx"]
                .into_iter()
                .find(|k| k.eq_ignore_ascii_case(other))
            {
                seen.case_variant.push(known);
                findings.push(
                    Finding::new(
                        Code::PolicyFieldCase,
                        format!("\"{other}:\" is not \"{known}:\"; field names are case-sensitive, so senders ignore this line"),
                    )
                    .at(n, key_col),
                );
                return;
            }
            findings.push(match resembles(other) {
                Some(meant) => Finding::new(
                    Code::PolicyFieldMisspelt,
                    format!("\"{other}\" looks like \"{meant}\" but is not it: senders ignore this line as an unknown field, so its value is lost"),
                ),
                None => Finding::new(
                    Code::PolicyUnknownField,
                    format!("\"{other}\" is not a field RFC 8461 defines; senders ignore it"),
                ),
            }
            .at(n, key_col));
            check_ext_value(other, value, n, value_col, findings);
            if !policy.extensions.iter().any(|(k, _)| k == other) {
                policy
                    .extensions
                    .push((other.to_string(), value.to_string()));
            }
        }
    }
}

/// Records the first occurrence of a single-valued field; later ones are reported and ignored
/// (RFC 8461 §3.2: "all entries except for the first SHALL be ignored"). A repeat with another
/// value is a warning, since some implementations keep the last one; the same value is advice.
fn first<'a>(
    seen: &mut Option<&'a str>,
    key: &str,
    value: &'a str,
    line: u32,
    col: u32,
    findings: &mut Vec<Finding>,
) -> bool {
    match seen {
        Some(earlier) if *earlier == value => {
            findings.push(
                Finding::new(
                    Code::PolicyDuplicateSame,
                    format!("\"{key}: {value}\" is repeated; harmless, but remove the copy"),
                )
                .at(line, col),
            );
            false
        }
        Some(earlier) => {
            findings.push(
                Finding::new(
                    Code::PolicyDuplicateField,
                    format!("\"{key}\" appears again with another value (\"{value}\" after \"{earlier}\"): RFC 8461 says the first counts, but some implementations keep the last, so senders may disagree"),
                )
                .at(line, col),
            );
            false
        }
        None => {
            *seen = Some(value);
            true
        }
    }
}

/// The field a misspelt name was probably meant to be (`nmx`, `max-age`, `maxage`, `max`,
/// `mdoe`, `verison` …): equal once case and `-`/`_`/spaces are set aside, a cut-off start of
/// it (three letters or more), or one edit (an insertion, deletion, substitution or swap of
/// neighbours) away; the first field that fits, in the order version, mode, max_age, mx. Case variants of a real name are
/// reported on their own (`policy.field.case`) before this is asked.
fn resembles(name: &str) -> Option<&'static str> {
    let squash = |s: &str| -> Vec<u8> {
        s.bytes()
            .filter(|b| !matches!(b, b'-' | b'_' | b' '))
            .map(|b| b.to_ascii_lowercase())
            .collect()
    };
    let got = squash(name);
    ["version", "mode", "max_age", "mx"]
        .into_iter()
        .find(|known| {
            let want = squash(known);
            got == want
                || (got.len() >= 3 && want.starts_with(&got))
                || (got.len() > 1 && one_edit(&got, &want))
        })
}

/// Whether `a` becomes `b` by exactly one insertion, deletion, substitution or swap of two
/// neighbouring letters (hand-written: four lines do not warrant an edit-distance crate).
fn one_edit(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    match long.len() - short.len() {
        0 if prefix == short.len() => false,
        0 => {
            short[prefix + 1..] == long[prefix + 1..]
                || (prefix + 1 < short.len()
                    && short[prefix] == long[prefix + 1]
                    && short[prefix + 1] == long[prefix]
                    && short[prefix + 2..] == long[prefix + 2..])
        }
        1 => short[prefix..] == long[prefix + 1..],
        _ => false,
    }
}

fn parse_max_age(value: &str, line: u32, col: u32, findings: &mut Vec<Finding>) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        findings.push(
            Finding::new(
                Code::PolicyMaxAgeInvalid,
                format!(
                    "max_age is \"{value}\"; it must be a whole number of seconds (digits only)"
                ),
            )
            .at(line, col),
        );
        return None;
    }
    if value.len() > 10 {
        findings.push(
            Finding::new(
                Code::PolicyMaxAgeInvalid,
                format!(
                    "max_age has {} digits; the grammar allows at most 10",
                    value.len()
                ),
            )
            .at(line, col),
        );
        return None;
    }
    // At most 10 digits, so it fits in u64.
    let n: u64 = value.parse().ok()?;
    if n > MAX_AGE_LIMIT {
        findings.push(
            Finding::new(
                Code::PolicyMaxAgeOutOfRange,
                format!("max_age is {n}; the maximum is {MAX_AGE_LIMIT} (one year)"),
            )
            .at(line, col),
        );
        return Some(MAX_AGE_LIMIT.min(n));
    }
    Some(n)
}

fn check_ext_value(name: &str, value: &str, line: u32, col: u32, findings: &mut Vec<Finding>) {
    if value.is_empty() {
        findings.push(
            Finding::new(
                Code::PolicyExtensionValue,
                format!("\"{name}\" has an empty value"),
            )
            .at(line, col),
        );
    } else if let Some((i, c)) = value
        .char_indices()
        .find(|&(_, c)| c.is_control() || (c.is_whitespace() && c != ' '))
    {
        findings.push(
            Finding::new(
                Code::PolicyExtensionValue,
                format!(
                    "the value of \"{name}\" contains {}, which an extension value cannot",
                    txt::describe(c)
                ),
            )
            .at(line, col + txt::col(value, i) - 1),
        );
    }
}

fn check_new_pattern(
    p: &MxPattern,
    shown: &str,
    policy: &Policy,
    index: &mut PatternIndex,
    line: u32,
    col: u32,
    findings: &mut Vec<Finding>,
) {
    if index.listed(shown, policy) {
        findings.push(
            Finding::new(
                Code::PolicyMxDuplicate,
                format!("mx {shown} is listed twice"),
            )
            .at(line, col),
        );
        return;
    }
    // This pattern's place in `policy.mx` once the caller adds it.
    let at = policy.mx.len();
    let redundant = if p.wildcard {
        index.exact_under(&p.base, policy).map(|narrow| {
            format!(
                "mx {} (listed earlier) is already covered by {shown}",
                policy.mx[narrow]
            )
        })
    } else {
        parent(&p.base)
            .and_then(|parent| index.wildcard(parent, policy))
            .map(|wide| format!("mx {shown} is already covered by {}", policy.mx[wide]))
    };
    index.add(p, shown, at);
    if let Some(message) = redundant {
        findings.push(Finding::new(Code::PolicyMxRedundant, message).at(line, col));
    }
    if p.wildcard && !p.base.contains('.') {
        findings.push(
            Finding::new(
                Code::PolicyMxTooBroad,
                format!("{shown} matches every host one level under a top-level domain; anyone with such a name and a public certificate would count as your MX"),
            )
            .at(line, col),
        );
    }
}

/// Advice beyond syntax: how strong the policy is.
fn advise(policy: &Policy, seen: &Seen<'_>, findings: &mut Vec<Finding>) {
    let at = |f: Finding, pos: Option<(u32, u32)>| match pos {
        Some((line, col)) => f.at(line, col),
        None => f,
    };
    let before = findings.len();
    match policy.mode {
        Some(Mode::Testing) => findings.push(Finding::new(
            Code::PolicyModeTesting,
            "mode is testing: senders report failures but do not refuse mail yet",
        )),
        Some(Mode::None) => findings.push(Finding::new(
            Code::PolicyModeNone,
            "mode is none: senders drop any policy they cached; this is how a policy is withdrawn",
        )),
        _ => {}
    }
    if let Some(age) = policy.max_age {
        if age < SHORT_MAX_AGE {
            findings.push(Finding::new(
                Code::PolicyMaxAgeShort,
                format!("max_age is {age} seconds (under a day): a downgrade attacker only has to wait that long for senders to forget the policy"),
            ));
        } else if policy.mode == Some(Mode::Enforce) && age < ENFORCE_MIN_MAX_AGE {
            findings.push(Finding::new(
                Code::PolicyMaxAgeEnforceShort,
                format!("max_age is {age} seconds; RFC 8461 recommends weeks or more for an enforced policy (e.g. 604800 = 1 week, 1209600 = 2 weeks)"),
            ));
        }
    }
    for f in &mut findings[before..] {
        let pos = match f.code {
            Code::PolicyModeTesting | Code::PolicyModeNone => seen.mode_at,
            _ => seen.max_age_at,
        };
        *f = at(f.clone(), pos);
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {

    /// Duplicates and redundant patterns are found the same way whether the policy is short
    /// (the patterns are scanned) or long (looked up in maps built after the 16th).
    #[test]
    fn duplicate_and_redundant_patterns_are_found_by_scan_and_by_map_alike() {
        let tail = [
            "a.example.com",
            "*.example.com",
            "a.example.com",
            "b.example.org",
            "*.example.org",
            "*.example.com",
            "c.example.org",
            "*.net",
        ];
        let found = |filler: usize| {
            let mut p = String::from("version: STSv1\nmode: enforce\nmax_age: 86400\n");
            for i in 0..filler {
                p.push_str(&format!("mx: filler{i}.example.net\n"));
            }
            for t in tail {
                p.push_str(&format!("mx: {t}\n"));
            }
            let l = super::lint(p.as_bytes());
            l.findings
                .iter()
                .filter(|f| f.code.as_str().starts_with("policy.mx."))
                .map(|f| (f.code, f.message.clone()))
                .collect::<Vec<_>>()
        };
        let short = found(0);
        let codes: Vec<&str> = short.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "policy.mx.redundant",
                "policy.mx.duplicate",
                "policy.mx.redundant",
                "policy.mx.duplicate",
                "policy.mx.redundant",
                "policy.mx.too_broad"
            ],
            "{short:?}"
        );
        for filler in [9, 15, 16, 17, 40] {
            let long = found(filler);
            // The filler hosts sit under example.net, which `*.net` does not cover (one level).
            assert_eq!(long, short, "with {filler} patterns before");
        }
    }

    /// A policy far larger than senders read costs no more than 64 KiB of parsing, and its
    /// findings are capped: 8 MiB of blank lines give a handful of findings, not four million.
    #[test]
    fn an_oversized_policy_is_read_only_as_far_as_senders_read() {
        let mut body =
            b"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n".to_vec();
        body.extend(std::iter::repeat_n(b'\n', 8 << 20));
        let l = lint(&body);
        assert!(!l.valid);
        assert!(l.findings.iter().any(|f| f.code == Code::PolicyTooLarge));
        assert!(l.findings.len() <= 30, "{} findings", l.findings.len());
        assert!(l.findings.iter().any(|f| f.code == Code::FindingsMore));
    }

    use super::*;

    fn codes(body: &str) -> (bool, Vec<&'static str>) {
        let l = lint(body.as_bytes());
        (
            l.valid,
            l.findings.iter().map(|f| f.code.as_str()).collect(),
        )
    }

    const GOOD: &str = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";

    #[test]
    fn the_rfc_example_is_valid() {
        let l = lint(GOOD.as_bytes());
        assert_eq!(l.findings, vec![]);
        assert!(l.valid);
        assert_eq!(l.policy.mode, Some(Mode::Enforce));
        assert_eq!(l.policy.max_age, Some(604800));
        assert_eq!(l.policy.mx, ["mail.example.com", "*.example.net"]);
    }

    #[test]
    fn misspelt_names_point_at_the_field_meant() {
        for (typo, meant) in [
            ("nmx", "mx"),
            ("mxx", "mx"),
            ("max-age", "max_age"),
            ("maxage", "max_age"),
            ("max", "max_age"),
            ("Max_Age", "max_age"),
            ("mdoe", "mode"),
            ("modes", "mode"),
            ("verison", "version"),
            ("versoin", "version"),
        ] {
            assert_eq!(resembles(typo), Some(meant), "{typo}");
        }
        for other in ["mta", "policy", "id", "x", "report", "maxi_ages"] {
            assert_eq!(resembles(other), None, "{other}");
        }
    }

    #[test]
    fn table() {
        let cases: &[(&str, bool, &[&str])] = &[
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800", true, &[]),
            ("version:STSv1\nmode:enforce\nmx:a.example\nmax_age:604800\n", true, &[]),
            ("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\n", true, &["policy.mode.testing"]),
            ("version: STSv1\nmode: none\nmax_age: 86400\n", true, &["policy.mode.none"]),
            ("version: STSv1\nmode: enforce\nmax_age: 604800\n", false, &["policy.mx.missing"]),
            ("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.mode.invalid"]),
            ("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.version.invalid"]),
            ("mode: enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.version.missing"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", false, &["policy.max_age.out_of_range"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n", false, &["policy.max_age.invalid"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", false, &["policy.max_age.invalid"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 3600\n", true, &["policy.max_age.short"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 86400\n", true, &["policy.max_age.enforce_short"]),
            ("version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 604800\n", true, &["policy.field.duplicate"]),
            ("version: STSv1\n\nmode: enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.line.blank"]),
            ("version: STSv1\nmode: enforce \nmx: a.example\nmax_age: 604800\n", true, &["policy.line.trailing_whitespace"]),
            (" version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.line.leading_whitespace"]),
            ("version : STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.line.space_before_colon"]),
            ("version: STSv1\rmode: enforce\rmx: a.example\rmax_age: 604800\r", false, &["policy.line.cr_only"]),
            ("version: STSv1\nMode: enforce\nmx: a.example\nmax_age: 604800\n", false, &["policy.field.case"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nfoo: bar\n", true, &["policy.field.unknown"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\njunk\n", false, &["policy.line.syntax"]),
            ("version: STSv1\nmode: enforce\nmx: *.com\nmax_age: 604800\n", true, &["policy.mx.too_broad"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmx: A.example.\nmax_age: 604800\n", false, &["policy.mx.duplicate", "policy.mx.trailing_dot"]),
            ("version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 604800\n", true, &["policy.field.duplicate"]),
            ("version: STSv1\nmode: enforce\nmode: enforce\nmx: a.example\nmax_age: 604800\n", true, &["policy.field.duplicate_same"]),
            ("version: STSv1\nmode: enforce\nnmx: a.example\nmx: b.example\nmax_age: 604800\n", true, &["policy.field.misspelt"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmaxage: 604800\n", false, &["policy.field.misspelt", "policy.max_age.missing"]),
            ("version: STSv1\nmdoe: enforce\nmode: enforce\nmx: a.example\nmax_age: 604800\n", true, &["policy.field.misspelt"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nmta: x\n", true, &["policy.field.unknown"]),
            ("version: STSv1\nmode: enforce\nmx: a.example\nmax: 604800\n", false, &["policy.field.misspelt", "policy.max_age.missing"]),
            ("version: STSv1\nmode: enforce\nmx: *.example.net\nmx: a.example.net\nmax_age: 604800\n", true, &["policy.mx.redundant"]),
            ("version: STSv1\nmode: enforce\nmx: a.example.net\nmx: *.example.net\nmax_age: 604800\n", true, &["policy.mx.redundant"]),
            ("version: STSv1\nmode: enforce\nmx: mail*.example\nmax_age: 604800\n", false, &["policy.mx.wildcard"]),
            ("version: STSv1\nmode: enforce\nmx: 192.0.2.1\nmax_age: 604800\n", false, &["policy.mx.ip_literal"]),
            ("", false, &["policy.empty"]),
        ];
        for (body, valid, expected) in cases {
            let (v, got) = codes(body);
            assert_eq!((v, got.as_slice()), (*valid, *expected), "{body:?}");
        }
    }

    #[test]
    fn findings_point_at_line_and_column() {
        let l = lint(b"version: STSv1\nmode: enforce\nmx: mail_1.example.com\nmax_age: 604800\n");
        let f = l
            .findings
            .iter()
            .find(|f| f.code == Code::PolicyMxInvalid)
            .unwrap();
        assert_eq!(f.location.map(|l| (l.line, l.column)), Some((3, 9)));
    }

    #[test]
    fn advice_points_at_the_value() {
        let l = lint(b"version: STSv1\nmx: a.example\nmode: testing\nmax_age: 600\n");
        let at = |code| {
            l.findings
                .iter()
                .find(|f| f.code == code)
                .and_then(|f| f.location)
                .map(|l| (l.line, l.column))
        };
        assert_eq!(at(Code::PolicyModeTesting), Some((3, 7)));
        assert_eq!(at(Code::PolicyMaxAgeShort), Some((4, 10)));
    }

    #[test]
    fn bom_and_non_utf8() {
        let (valid, c) =
            codes("\u{feff}version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\n");
        assert_eq!((valid, c.as_slice()), (false, &["policy.bom"][..]));
        let l = lint(b"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 604800\nx: \xff\n");
        let f = l
            .findings
            .iter()
            .find(|f| f.code == Code::PolicyNotUtf8)
            .unwrap();
        assert_eq!(f.location.map(|l| (l.line, l.column)), Some((5, 4)));
    }

    #[test]
    fn size_limit() {
        let mut big = String::from(GOOD);
        while big.len() <= MAX_POLICY_SIZE {
            big.push_str("x-pad: 0123456789012345678901234567890123456789\n");
        }
        let l = lint(big.as_bytes());
        assert!(!l.valid);
        assert!(l.findings.has(Code::PolicyTooLarge));
    }
}
