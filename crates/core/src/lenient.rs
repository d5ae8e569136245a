//! What a lenient sender applies: the reading of `postfix-mta-sts-resolver` (versions 1.1.2 and
//! 1.5.1 share this code), the MTA-STS policy source Postfix senders use through its
//! `mta-sts-daemon`. The interop suite runs the real resolver on every domain of its world
//! and requires that it applies exactly what this module says.
//!
//! RFC 8461's grammar is strict, and for senders that follow it a policy with a blank
//! line, a trailing dot on `mx` or CR-only line ends is no policy at all ([`crate::policy`]).
//! This resolver is lenient: it reads such a policy anyway, keeps the last of a repeated field
//! (RFC 8461 §3.2 keeps the first), accepts a TXT `id` of any characters, and keeps an `mx`
//! value as written. Postfix then enforces what it hands over: a `mode: enforce` policy becomes
//! `secure match=` with the `mx` values (`*.` turned into `.`, which Postfix matches at any
//! depth), so an `mx` value that names no MX host as Postfix compares names (a trailing dot,
//! for one) makes mail bounce. A `testing` policy is not enforced at all. So the strict reading
//! decides whether the domain is protected, and this one whether some senders bounce mail.

use serde::Serialize;

use crate::inputs::PolicyFetch;
use crate::txt::TxtRecord;

/// What the resolver applies. The values are as it keeps them (not canonical).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LenientPolicy {
    pub id: String,
    pub mode: String,
    pub max_age: u64,
    pub mx: Vec<String>,
}

impl LenientPolicy {
    /// Postfix enforces it (`secure`); `testing` and `none` are not enforced.
    pub fn enforced(&self) -> bool {
        self.mode == "enforce"
    }

    /// Whether Postfix, given this policy, verifies `host` (an MX host name as DNS gives it):
    /// a `match=` entry equal to the name, or one starting with `.` that the name ends with,
    /// compared without case. The name loses its trailing dot; the entries keep theirs.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.mx.iter().any(|p| {
            let p = p.trim_start_matches('*').to_ascii_lowercase();
            match p.strip_prefix('.') {
                Some(_) => host.len() > p.len() && host.ends_with(&p),
                None => host == p,
            }
        })
    }
}

/// The record's `id` as the resolver reads the `_mta-sts` set: records that are not ASCII are
/// dropped, exactly one must start with `v=STSv1`, its fields are split at `;` and stripped,
/// the last of a repeated field counts, and `v` must be `STSv1` with an `id` present (even
/// empty). `None`: no policy.
pub fn record_id(records: &[TxtRecord]) -> Option<String> {
    let texts: Vec<String> = records
        .iter()
        .map(|r| r.concat())
        .filter(|t| t.is_ascii() && t.starts_with("v=STSv1"))
        .collect();
    let [text] = texts.as_slice() else {
        return None;
    };
    let mut v = None;
    let mut id = None;
    for field in text.split(';').map(str::trim).filter(|f| !f.is_empty()) {
        let (key, value) = field.split_once('=').unwrap_or((field, ""));
        match key {
            "v" => v = Some(value),
            "id" => id = Some(value),
            _ => {}
        }
    }
    (v == Some("STSv1")).then_some(())?;
    id.map(str::to_string)
}

/// The policy the resolver applies from a fetch (after the fetcher's own checks: TLS, no
/// redirect) and its body as decoded for content coding, or why it applies none.
pub fn policy(fetch: &PolicyFetch, body: &[u8]) -> Result<(String, u64, Vec<String>), String> {
    if fetch.status != Some(200) {
        return Err("the status is not 200".into());
    }
    let ct = fetch
        .content_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let (media, params) = ct.split_once(';').unwrap_or((&ct, ""));
    if media.trim() != "text/plain" {
        return Err("the media type is not text/plain".into());
    }
    if fetch.truncated || body.len() > 64 * 1024 {
        return Err("the body is larger than 64 KiB".into());
    }
    let charset = params
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim() == "charset")
        .map(|(_, v)| v.trim().trim_matches('"').to_string());
    let text = decode(body, charset.as_deref())?;
    parse(&text)
}

/// The body as text: ASCII unless the response names a charset (aiohttp's `resp.charset`).
fn decode(body: &[u8], charset: Option<&str>) -> Result<String, String> {
    let name = charset.unwrap_or("ascii").replace('_', "-");
    let ascii = || {
        std::str::from_utf8(body)
            .ok()
            .filter(|t| t.is_ascii())
            .map(str::to_string)
    };
    let text = match name.as_str() {
        "ascii" | "us-ascii" => ascii(),
        "utf-8" | "utf8" | "u8" => std::str::from_utf8(body).ok().map(str::to_string),
        "latin-1" | "latin1" | "iso-8859-1" | "l1" => {
            Some(body.iter().map(|&b| b as char).collect())
        }
        // Other charsets are ASCII supersets for ASCII text; beyond that, not modelled.
        _ => ascii(),
    };
    text.ok_or_else(|| match charset {
        None => "the body is not ASCII and no charset is declared".to_string(),
        Some(c) => format!("the body is not valid {c}"),
    })
}

/// Python's `str.splitlines()` boundaries.
fn line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Python's `str.isspace()`.
fn python_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// `parse_mta_sts_policy` and the checks after it: each line right-stripped and split at the
/// first `:`, the key taken as it is, the value left-stripped; `mx` lines collected, any other
/// key's last value kept. Then `version` must be `STSv1`, `max_age` an integer from 0 to
/// 31557600 as Python's `int()` reads it, `mode` one of the three, and `mx` present unless the
/// mode is `none`.
pub fn parse(text: &str) -> Result<(String, u64, Vec<String>), String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut mx = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(line_break).unwrap_or(rest.len());
        let line = &rest[..end];
        let mut next = &rest[end..];
        if next.starts_with("\r\n") {
            next = &next[2..];
        } else if let Some(c) = next.chars().next() {
            next = &next[c.len_utf8()..];
        }
        rest = next;
        let line = line.trim_end_matches(python_space);
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.trim_start_matches(python_space).to_string();
        if key == "mx" {
            mx.push(value);
        } else {
            fields.retain(|(k, _)| k != key);
            fields.push((key.to_string(), value));
        }
    }
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
    if get("version") != Some("STSv1") {
        return Err("the version line is not exactly \"version: STSv1\"".into());
    }
    let max_age = python_int(get("max_age").unwrap_or("-1"))
        .filter(|n| (0..=31_557_600).contains(n))
        .ok_or("max_age is missing or not an integer from 0 to 31557600")?;
    let mode = get("mode").ok_or("there is no mode line")?.to_string();
    match mode.as_str() {
        "none" => {}
        "testing" | "enforce" if !mx.is_empty() => {}
        "testing" | "enforce" => return Err("there is no mx line".into()),
        _ => return Err(format!("the mode {mode:?} is not one of the three")),
    }
    Ok((mode, max_age as u64, mx))
}

/// Python's `int(str)`: surrounding whitespace, an optional sign, ASCII digits with single
/// underscores between them. (Non-ASCII digits, which Python also takes, are not modelled.)
fn python_int(s: &str) -> Option<i64> {
    let s = s.trim_matches(python_space);
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

/// The whole reading: the TXT record set, then the policy. `Err` says why it applies none.
pub fn applied(
    records: &[TxtRecord],
    fetch: &PolicyFetch,
    body: Option<&[u8]>,
) -> Result<LenientPolicy, String> {
    let id = record_id(records).ok_or("no usable _mta-sts record")?;
    let body = body.ok_or("no policy body")?;
    let (mode, max_age, mx) = policy(fetch, body)?;
    Ok(LenientPolicy {
        id,
        mode,
        max_age,
        mx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &[&str]) -> TxtRecord {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn records_as_the_resolver_reads_them() {
        assert_eq!(record_id(&[rec(&["v=STSv1; id=1"])]), Some("1".into()));
        assert_eq!(record_id(&[rec(&["v=STSv1; ", "id=1"])]), Some("1".into()));
        // The last of a repeated field, any characters, even empty.
        assert_eq!(
            record_id(&[rec(&["v=STSv1; id=1; id=2"])]),
            Some("2".into())
        );
        assert_eq!(
            record_id(&[rec(&["v=STSv1;id=2026-01-01 x"])]),
            Some("2026-01-01 x".into())
        );
        assert_eq!(record_id(&[rec(&["v=STSv1; id="])]), Some(String::new()));
        assert_eq!(record_id(&[rec(&["v=STSv1"])]), None);
        assert_eq!(record_id(&[rec(&["v=STSv10; id=1"])]), None);
        assert_eq!(
            record_id(&[rec(&["v=STSv1; id=1"]), rec(&["v=STSv1; id=2"])]),
            None
        );
        assert_eq!(
            record_id(&[rec(&["v=STSv1; id=1"]), rec(&["v=spf1 -all"])]),
            Some("1".into())
        );
        assert_eq!(record_id(&[rec(&["v=STSv1; id=caf\u{e9}"])]), None);
    }

    #[test]
    fn policies_as_the_resolver_reads_them() {
        let ok = |t: &str| parse(t).unwrap();
        let base = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.com\r\nmax_age: 86400\r\n";
        assert_eq!(
            ok(base),
            ("enforce".into(), 86400, vec!["mx.example.com".into()])
        );
        // Blank lines, CR-only line ends, trailing dots, last value wins.
        assert_eq!(ok(&base.replace("mode", "\r\nmode")).0, "enforce");
        assert_eq!(ok(&base.replace("\r\n", "\r")).1, 86400);
        assert_eq!(
            ok(&base.replace("example.com", "example.com.")).2,
            vec!["mx.example.com."]
        );
        assert_eq!(ok(&format!("{base}mode: testing\r\n")).0, "testing");
        assert_eq!(ok(&base.replace("86400", " +86_400 ")).1, 86400);
        assert_eq!(
            ok("version: STSv1\nmode: none\nmax_age: 0\n").2,
            Vec::<String>::new()
        );
        // What it refuses.
        assert!(parse(&base.replace("version:", "version :")).is_err());
        assert!(parse(&base.replace("mode: enforce", "mode: Enforce")).is_err());
        assert!(parse(&base.replace("86400", "31557601")).is_err());
        assert!(parse(&base.replace("86400", "1__0")).is_err());
        assert!(parse("version: STSv1\nmode: enforce\nmax_age: 1\n").is_err());
        assert!(parse(&base.replace("max_age", "max-age")).is_err());
    }

    #[test]
    fn bodies_it_cannot_decode_give_no_policy() {
        let mut f = PolicyFetch::ok("text/plain", Vec::new());
        let text = "version: STSv1\nmode: enforce\nmx: m\u{e9}.example\nmax_age: 1\n";
        assert!(
            policy(&f, text.as_bytes()).is_err(),
            "UTF-8 without a charset"
        );
        f.content_type = Some("text/plain; charset=utf-8".into());
        assert!(policy(&f, text.as_bytes()).is_ok());
        f.content_type = Some("text/html".into());
        assert!(policy(&f, b"version: STSv1\nmode: none\nmax_age: 1\n").is_err());
        f.content_type = Some("TEXT/PLAIN".into());
        assert!(policy(&f, b"version: STSv1\nmode: none\nmax_age: 1\n").is_ok());
        let bom = [
            &b"\xef\xbb\xbf"[..],
            b"version: STSv1\nmode: none\nmax_age: 1\n",
        ]
        .concat();
        f.content_type = Some("text/plain; charset=utf-8".into());
        assert!(
            policy(&f, &bom).is_err(),
            "the BOM stays part of the first key"
        );
    }

    #[test]
    fn postfix_matching() {
        let p = |mx: &[&str]| LenientPolicy {
            id: "1".into(),
            mode: "enforce".into(),
            max_age: 1,
            mx: mx.iter().map(|s| s.to_string()).collect(),
        };
        assert!(p(&["mx.example.com"]).matches("MX.example.com."));
        assert!(!p(&["mx.example.com."]).matches("mx.example.com"));
        assert!(p(&["*.example.com"]).matches("a.b.example.com"));
        assert!(!p(&["*.example.com"]).matches("example.com"));
        assert!(!p(&["*.example.com."]).matches("mx.example.com"));
    }
}
