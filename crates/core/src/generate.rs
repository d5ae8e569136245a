//! Records and policy for a domain: the policy file (CRLF line ends, as RFC 8461 §3.2
//! describes), the `_mta-sts` TXT record with a fresh `id`, and the `_smtp._tls` TLS-RPT
//! record. Everything produced here passes the crate's own validators (a property test in
//! `tests/properties.rs` proves it).

use serde::Serialize;

use crate::catalog::Code;
use crate::finding::Finding;
use crate::hostname;
use crate::mx;
use crate::policy::{Mode, Policy, MAX_AGE_LIMIT};
use crate::record::MAX_ID_LEN;
use crate::tlsrpt;

/// The longest character-string in a TXT record (RFC 1035 §3.3.14: one length octet).
pub const MAX_TXT_STRING: usize = 255;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The policy domain in A-label form (see [`crate::domain::normalize`]).
    pub domain: String,
    /// MX host names or `*.` patterns to allow.
    pub mx: Vec<String>,
    pub mode: Mode,
    /// `None` picks the default for the mode ([`default_max_age`]).
    pub max_age: Option<u64>,
    /// Report URIs; empty means `mailto:tlsrpt@<domain>`.
    pub rua: Vec<String>,
    /// The policy id; see [`id_from_unix_time`] for a fresh one.
    pub id: String,
}

/// The generated deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Generated {
    pub policy_host: String,
    pub policy_url: String,
    /// The policy file body, CRLF line ends.
    pub policy: String,
    pub sts_name: String,
    /// The `_mta-sts` TXT record as character-strings of at most 255 bytes.
    pub sts_record: Vec<String>,
    pub tlsrpt_name: String,
    pub tlsrpt_record: Vec<String>,
    /// Things to do or check by hand (e.g. that the report mailbox exists).
    pub notes: Vec<String>,
}

/// A week for an enforced policy (RFC 8461 §3.2 recommends weeks or more); a day while
/// testing or withdrawing, so a change reaches senders quickly.
pub fn default_max_age(mode: Mode) -> u64 {
    match mode {
        Mode::Enforce => 604_800,
        Mode::Testing | Mode::None => 86_400,
    }
}

/// A fresh policy id from the current time: `YYYYMMDDhhmmss` in UTC (14 digits, within
/// `1*32(ALPHA / DIGIT)`). A new id tells senders to re-fetch the policy (RFC 8461 §3.1).
pub fn id_from_unix_time(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Builds the deployment, or says what is wrong with the request.
pub fn generate(req: &Request) -> Result<Generated, Vec<Finding>> {
    let mut errors = Vec::new();
    let domain = hostname::canonical(req.domain.trim());
    if let Err(e) = hostname::check_ldh(&domain) {
        errors.push(Finding::new(
            Code::DomainInvalid,
            format!("domain \"{}\": {e}", req.domain),
        ));
    } else if !domain.contains('.') || hostname::looks_like_ip(&domain) {
        errors.push(Finding::new(
            Code::DomainInvalid,
            format!("\"{}\" is not a mail domain", req.domain),
        ));
    }
    let mut patterns: Vec<String> = Vec::new();
    for host in &req.mx {
        let host = host.trim();
        match mx::parse_pattern(host.strip_suffix('.').unwrap_or(host)) {
            Ok(p) => {
                let shown = p.display();
                if !patterns.contains(&shown) {
                    patterns.push(shown);
                }
            }
            Err(e) => errors.push(Finding::new(e.code(), e.message(host)).about(host.to_string())),
        }
    }
    if patterns.is_empty() && req.mode != Mode::None {
        errors.push(Finding::new(
            Code::PolicyMxMissing,
            "give at least one MX host (the names your MX records point to); only mode none may have none",
        ));
    }
    let max_age = req.max_age.unwrap_or_else(|| default_max_age(req.mode));
    if max_age > MAX_AGE_LIMIT {
        errors.push(Finding::new(
            Code::PolicyMaxAgeOutOfRange,
            format!("max_age {max_age} is above the maximum {MAX_AGE_LIMIT}"),
        ));
    }
    if req.id.is_empty()
        || req.id.len() > MAX_ID_LEN
        || !req.id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        errors.push(Finding::new(
            Code::StsIdInvalid,
            format!(
                "id \"{}\" must be 1 to {MAX_ID_LEN} letters or digits",
                req.id
            ),
        ));
    }
    let mut notes = Vec::new();
    let rua: Vec<String> = if req.rua.is_empty() {
        let default = format!("mailto:tlsrpt@{domain}");
        notes.push(format!("reports go to {default}: make sure that mailbox exists, or pass your own report address"));
        vec![default]
    } else {
        req.rua.iter().map(|u| u.trim().to_string()).collect()
    };
    let tlsrpt_text = format!("v=TLSRPTv1; rua={}", rua.join(","));
    let check = tlsrpt::lint(&[vec![tlsrpt_text.clone()]]);
    errors.extend(
        check
            .findings
            .into_iter()
            .filter(|f| f.severity() == crate::finding::Severity::Error),
    );
    if !errors.is_empty() {
        return Err(errors);
    }

    let policy = Policy {
        version: Some("STSv1".into()),
        mode: Some(req.mode),
        max_age: Some(max_age),
        mx: patterns,
        ..Policy::default()
    }
    .to_text();
    if req.mode == Mode::Testing {
        notes.push(
            "testing mode: watch the TLS-RPT reports, then switch to enforce (and change the id)"
                .into(),
        );
    }
    if req.mode == Mode::None {
        notes.push("mode none withdraws the policy: keep serving it until max_age of the previous policy has passed".into());
    }
    notes.push(
        "every time you change the policy file, change the id in the _mta-sts TXT record too"
            .into(),
    );
    let policy_host = format!("mta-sts.{domain}");
    Ok(Generated {
        policy_url: format!("https://{policy_host}/.well-known/mta-sts.txt"),
        policy_host,
        policy,
        sts_name: format!("_mta-sts.{domain}"),
        sts_record: split_txt(&format!("v=STSv1; id={}", req.id)),
        tlsrpt_name: format!("_smtp._tls.{domain}"),
        tlsrpt_record: split_txt(&tlsrpt_text),
        notes,
    })
}

/// Splits a record into character-strings of at most 255 bytes (input is ASCII here).
pub fn split_txt(text: &str) -> Vec<String> {
    text.as_bytes()
        .chunks(MAX_TXT_STRING)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request {
            domain: "example.com".into(),
            mx: vec!["mx1.example.com".into(), "*.mail.example.net.".into()],
            mode: Mode::Enforce,
            max_age: None,
            rua: vec![],
            id: "20261123131400".into(),
        }
    }

    #[test]
    fn produces_all_three() {
        let g = generate(&req()).unwrap();
        assert_eq!(
            g.policy,
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.net\r\nmax_age: 604800\r\n"
        );
        assert_eq!(g.sts_record, ["v=STSv1; id=20261123131400"]);
        assert_eq!(
            g.tlsrpt_record,
            ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"]
        );
        assert_eq!(
            g.policy_url,
            "https://mta-sts.example.com/.well-known/mta-sts.txt"
        );
    }

    #[test]
    fn refuses_bad_requests() {
        let mut r = req();
        r.mx = vec!["mail*.example.com".into()];
        r.rua = vec!["mailto:nobody".into()];
        r.id = "has-dash".into();
        let errs = generate(&r).unwrap_err();
        let codes: Vec<_> = errs.iter().map(|f| f.code).collect();
        assert!(codes.contains(&Code::PolicyMxWildcard), "{codes:?}");
        assert!(codes.contains(&Code::StsIdInvalid), "{codes:?}");
        assert!(codes.contains(&Code::TlsrptRuaMailto), "{codes:?}");
    }

    #[test]
    fn ids_from_time() {
        assert_eq!(id_from_unix_time(0), "19700101000000");
        assert_eq!(id_from_unix_time(1_795_267_440), "20261121132400");
        assert_eq!(id_from_unix_time(951_782_400), "20000229000000");
    }

    #[test]
    fn long_records_are_split() {
        let parts = split_txt(&"a".repeat(600));
        assert_eq!(
            parts.iter().map(String::len).collect::<Vec<_>>(),
            [255, 255, 90]
        );
    }
}
