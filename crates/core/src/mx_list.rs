//! A pasted MX list, for the offline tools: what `dig +short MX` prints (`10 mx1.example.com.`),
//! a zone-file or `dig` answer line (`example.com. 300 IN MX 10 mx1.example.com.`), what `host`
//! prints (`example.com mail is handled by 10 mx1.example.com.`), or a bare host name.
//!
//! RFC 1035 §3.3.9: an MX RR is `PREFERENCE EXCHANGE`, a 16-bit preference and a domain name.
//! A null MX (RFC 7505 §3) is `0 .`.

use crate::catalog::Code;
use crate::finding::Finding;
use crate::hostname;
use crate::mx::MxRecord;

/// The records read, and a finding (with its line) for every line that was not understood.
/// Blank lines and comments (`;` or `#`) are skipped. A bare host name gets the preference of
/// its position (10, 20, …), so the order written is kept.
pub fn parse(text: &str) -> (Vec<MxRecord>, Vec<Finding>) {
    let mut records = Vec::new();
    let mut findings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match parse_line(line, records.len()) {
            Ok(r) => records.push(r),
            Err(why) => findings.push(
                Finding::new(Code::MxListUnreadable, format!("line {line_no}: {why}"))
                    .at(line_no, 1),
            ),
        }
    }
    (records, findings)
}

fn parse_line(line: &str, index: usize) -> Result<MxRecord, String> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    // After an "MX" type token (zone file, dig) or "handled by" (host): PREFERENCE EXCHANGE.
    let rest: &[&str] = if let Some(at) = tokens.iter().position(|t| t.eq_ignore_ascii_case("mx")) {
        &tokens[at + 1..]
    } else if let Some(at) = tokens.windows(2).position(|w| w == ["handled", "by"]) {
        &tokens[at + 2..]
    } else {
        &tokens
    };
    let (preference, host) = match rest {
        [pref, host] => (
            pref.parse::<u16>().map_err(|_| {
                format!("\"{pref}\" is not a preference (a number from 0 to 65535)")
            })?,
            *host,
        ),
        [host] if !host.bytes().all(|b| b.is_ascii_digit()) => {
            (u16::try_from((index + 1) * 10).unwrap_or(u16::MAX), *host)
        }
        _ => {
            return Err(format!(
                "\"{line}\" is not an MX record; write \"10 mx1.example.com\""
            ))
        }
    };
    if host == "." {
        return Ok(MxRecord::new(preference, "."));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    hostname::check_ldh(name).map_err(|e| format!("\"{host}\" is not a host name: {e}"))?;
    Ok(MxRecord::new(preference, hostname::canonical(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_common_form() {
        let text = "10 mx1.example.com.\n\
                    ; a comment\n\
                    example.com. 300 IN MX 20 MX2.example.com.\n\
                    example.com mail is handled by 30 mx3.example.com.\n\
                    \n\
                    backup.example.net\n";
        let (records, findings) = parse(text);
        assert!(findings.is_empty(), "{findings:?}");
        let got: Vec<(u16, &str)> = records
            .iter()
            .map(|r| (r.preference, r.exchange.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (10, "mx1.example.com"),
                (20, "mx2.example.com"),
                (30, "mx3.example.com"),
                (40, "backup.example.net"),
            ]
        );
    }

    #[test]
    fn null_mx_is_kept() {
        let (records, findings) = parse("0 .");
        assert!(findings.is_empty());
        assert!(records[0].is_null());
    }

    #[test]
    fn bad_lines_say_where_and_what_to_write() {
        let (records, findings) =
            parse("10 mx1.example.com\n99999 mx2.example.com\nmx_bad!.example.com\n10\n");
        assert_eq!(records.len(), 1);
        let lines: Vec<u32> = findings
            .iter()
            .map(|f| f.location.map(|l| l.line).unwrap_or(0))
            .collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(findings.iter().all(|f| f.code == Code::MxListUnreadable));
        assert!(
            findings[0].message.contains("preference"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[2].message.contains("10 mx1.example.com"),
            "{}",
            findings[2].message
        );
    }
}
