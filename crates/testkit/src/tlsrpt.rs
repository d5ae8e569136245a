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
        "contact-info": format!("tlsrpt@{}", org.to_ascii_lowercase().replace(' ', "-")),
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
