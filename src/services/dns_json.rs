//! The DoH JSON API (`?name=…&type=…`, `application/dns-json`), as Google Public DNS and
//! Cloudflare serve it. Not an RFC; the fields are those both document: `Status` (the RCODE),
//! `AD`, and `Answer` entries with `type` and `data` in presentation form (RFC 1035 §5.1).
//! Read into the same [`Response`] the wire format gives, so both paths share every verdict.

use mtasts_core::lint::parse_presentation;
use serde_json::Value;

use super::dns_wire::{Rdata, Response, TYPE_CNAME, TYPE_MX, TYPE_TLSA, TYPE_TXT};

pub fn type_name(qtype: u16) -> &'static str {
    match qtype {
        TYPE_TXT => "TXT",
        TYPE_MX => "MX",
        TYPE_TLSA => "TLSA",
        TYPE_CNAME => "CNAME",
        _ => "ANY",
    }
}

fn rdata(rtype: u16, data: &str) -> Option<Rdata> {
    let mut words = data.split_whitespace();
    Some(match rtype {
        TYPE_TXT => Rdata::Txt(parse_presentation(data)),
        TYPE_MX => Rdata::Mx(
            words.next()?.parse().ok()?,
            words.next()?.trim_end_matches('.').to_ascii_lowercase(),
        ),
        TYPE_CNAME => Rdata::Cname(data.trim().trim_end_matches('.').to_ascii_lowercase()),
        // "3 1 1 ABCDEF…" (the data may be split by spaces, as in a zone file).
        TYPE_TLSA => Rdata::Tlsa(mtasts_core::dane::TlsaRecord {
            usage: words.next()?.parse().ok()?,
            selector: words.next()?.parse().ok()?,
            matching: words.next()?.parse().ok()?,
            data: mtasts_core::dane::parse_hex(&words.collect::<String>())?,
        }),
        _ => Rdata::Other,
    })
}

pub fn parse(body: &[u8]) -> Option<Response> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let rcode = u8::try_from(v["Status"].as_u64()?).ok()?;
    let mut answers = Vec::new();
    for a in v["Answer"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let rtype = u16::try_from(a["type"].as_u64()?).ok()?;
        let name = a["name"].as_str().unwrap_or_default().trim_end_matches('.');
        answers.push((
            name.to_ascii_lowercase(),
            rtype,
            rdata(rtype, a["data"].as_str()?)?,
        ));
    }
    Some(Response {
        rcode,
        authenticated: v["AD"].as_bool().unwrap_or(false),
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_google_and_cloudflare_answers() {
        let body = br#"{"Status":0,"AD":true,"Answer":[
            {"name":"_mta-sts.example.com.","type":5,"data":"sts.example.net."},
            {"name":"sts.example.net.","type":16,"data":"\"v=STSv1; \" \"id=1\""},
            {"name":"example.com.","type":15,"data":"10 MX1.example.com."},
            {"name":"_25._tcp.mx1.example.com.","type":52,"data":"3 1 1 ABCDEF"}]}"#;
        let r = parse(body).expect("parses");
        assert!(r.authenticated);
        assert_eq!(r.answers[0].2, Rdata::Cname("sts.example.net".into()));
        assert_eq!(
            r.answers[1].2,
            Rdata::Txt(vec!["v=STSv1; ".into(), "id=1".into()])
        );
        assert_eq!(r.answers[2].2, Rdata::Mx(10, "mx1.example.com".into()));
        assert_eq!(
            r.answers[3].2,
            Rdata::Tlsa(mtasts_core::dane::TlsaRecord {
                usage: 3,
                selector: 1,
                matching: 1,
                data: vec![0xab, 0xcd, 0xef],
            })
        );
    }

    #[test]
    fn status_without_answers_and_garbage() {
        assert_eq!(parse(br#"{"Status":3}"#).expect("parses").rcode, 3);
        assert!(parse(b"<html>").is_none());
        assert!(parse(br#"{"Answer":[]}"#).is_none(), "no Status");
    }
}
