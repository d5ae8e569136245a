//! TLS-RPT aggregate reports (RFC 8460 §4) as senders write them: for tests, benchmarks and
//! the demo store.

use std::io::Write;

/// Failed sessions of one kind, as one `failure-details` entry.
#[derive(Clone, Debug)]
pub struct Failure<'a> {
    pub result_type: &'a str,
    pub receiving_mx: &'a str,
    /// Some senders leave it out.
    pub sending_ip: Option<&'a str>,
    pub sessions: u64,
}

/// An organisation's first word, lower case, for addresses and ids ("Google Inc." → "google").
pub fn slug(org: &str) -> String {
    org.split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("sender")
        .to_ascii_lowercase()
}

/// One report about one policy domain's `sts` policy for one UTC day (`YYYY-MM-DD`).
pub fn report(
    org: &str,
    id: &str,
    day: &str,
    domain: &str,
    successful: u64,
    failures: &[Failure<'_>],
) -> Vec<u8> {
    let failed: u64 = failures.iter().map(|f| f.sessions).sum();
    let details: Vec<serde_json::Value> = failures
        .iter()
        .map(|f| {
            let mut d = serde_json::json!({
                "result-type": f.result_type,
                "receiving-mx-hostname": f.receiving_mx,
                "failed-session-count": f.sessions,
            });
            if let Some(ip) = f.sending_ip {
                d["sending-mta-ip"] = ip.into();
            }
            d
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "organization-name": org,
        "date-range": {
            "start-datetime": format!("{day}T00:00:00Z"),
            "end-datetime": format!("{day}T23:59:59Z"),
        },
        "contact-info": format!("tlsrpt@{}.example", slug(org)),
        "report-id": id,
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-domain": domain,
                "policy-string": ["version: STSv1", "mode: testing", &format!("mx: *.{domain}"), "max_age: 604800"],
                "mx-host": [format!("*.{domain}")],
            },
            "summary": {
                "total-successful-session-count": successful,
                "total-failure-session-count": failed,
            },
            "failure-details": details,
        }],
    }))
    .unwrap_or_default()
}

/// `bytes` gzip-compressed, as senders attach and POST reports.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// `bytes` in base64, in lines of 76 characters, as mail carries an attachment (RFC 2045 §6.8).
pub fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine;
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    s.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Report messages in the shapes real senders mail them, and the messages a report mailbox also
/// gets (for `mtasts reports import` and `fetch`).
pub mod messages {
    use super::{base64_lines, gzip, report};

    /// A report message as Google sends them (multipart/report, a gzip part, the §5.3 headers).
    pub fn gzip_message(id: &str, day: &str) -> String {
        let json = report("Google Inc.", id, day, "example.com", 4000, &[]);
        format!(
            "From: noreply-smtp-tls-reporting@google.com\r\nTo: tlsrpt@example.com\r\nSubject: Report Domain: example.com Submitter: google.com Report-ID: <{id}>\r\nTLS-Report-Domain: example.com\r\nTLS-Report-Submitter: google.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nThis is an aggregate TLS report from google.com\r\n--b1\r\nContent-Type: application/tlsrpt+gzip; name=\"google.com!example.com!{id}.json.gz\"\r\nContent-Disposition: attachment; filename=\"google.com!example.com!{id}.json.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b1--\r\n",
            base64_lines(&gzip(&json))
        )
    }

    /// A JSON attachment as some senders write it: a date without a zone, no contact, a failure
    /// without the sending address.
    pub fn json_message() -> String {
        let json = r#"{"organization-name":"Microsoft Corporation","date-range":{"start-datetime":"2026-11-02T00:00:00","end-datetime":"2026-11-02T23:59:59"},"contact-info":null,"report-id":"133000000000000000+example.com","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: *.example.com","max_age: 604800"],"policy-domain":"example.com","mx-host":["*.example.com"]},"summary":{"total-successful-session-count":120,"total-failure-session-count":2},"failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"mx1.example.com","failed-session-count":2}]}]}"#;
        format!(
            "From: tlsrpt-noreply@microsoft.com\r\nTo: tlsrpt@example.com\r\nSubject: [TLSRPT] example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTLS report attached.\r\n--x\r\nContent-Type: application/json; name=\"report.json\"\r\nContent-Disposition: attachment; filename=\"report.json\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--x--\r\n",
            base64_lines(json.as_bytes())
        )
    }

    pub fn plain_message(subject: &str) -> String {
        format!("From: someone@example.net\r\nTo: tlsrpt@example.com\r\nSubject: {subject}\r\n\r\nHello, is this the right address?\r\n")
    }

    pub fn broken_message() -> String {
        format!(
            "From: broken@sender.example\r\nTo: tlsrpt@example.com\r\nSubject: Report Domain: example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
            base64_lines(&gzip(b"{\"organization-name\": \"cut")[..20])
        )
    }
}
