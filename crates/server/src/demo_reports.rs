//! The demo store's TLS-RPT reports: 30 days of them for some demo domains, as two senders
//! would send them, clean where the demo domain is healthy and failing where its MX hosts fail
//! (so the console and the evidence for enforcing have something true to show). DEMO DATA.

use mtasts_store::reports::NewReport;
use mtasts_store::Store;
use mtasts_testkit::tlsrpt::{report, Failure};

/// Per domain: which senders report, from which day (days ago) on, and its failures as
/// (result type, receiving MX, sessions a day, the last day it happened: days ago).
struct Pattern {
    domain: &'static str,
    /// (organisation, first day: days ago)
    senders: &'static [(&'static str, u32)],
    failures: &'static [(&'static str, &'static str, u64, u32)],
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        domain: "enforce-good.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 30)],
        failures: &[],
    },
    Pattern {
        domain: "testing.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 9)],
        failures: &[("certificate-expired", "mx1.testing.test", 4, 12)],
    },
    Pattern {
        domain: "testing-not-ready.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 30)],
        failures: &[
            (
                "starttls-not-supported",
                "mx2.testing-not-ready.test",
                17,
                0,
            ),
            ("validation-failure", "mx3.testing-not-ready.test", 5, 0),
        ],
    },
    Pattern {
        domain: "mx-no-starttls.test",
        senders: &[("Google Inc.", 30), ("Yahoo", 20)],
        failures: &[("starttls-not-supported", "mx2.mx-no-starttls.test", 31, 0)],
    },
    Pattern {
        domain: "mx-expired.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 30)],
        failures: &[("certificate-expired", "mx1.mx-expired.test", 42, 0)],
    },
    Pattern {
        domain: "mx-wrong-name.test",
        senders: &[("Google Inc.", 30)],
        failures: &[("certificate-host-mismatch", "mx1.mx-wrong-name.test", 12, 0)],
    },
    Pattern {
        domain: "policy-cert-expired.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 30)],
        failures: &[("sts-webpki-invalid", "mx1.policy-cert-expired.test", 60, 0)],
    },
];

/// The demo reports for the 30 days before `now` (seconds since 1970), as received files.
pub fn reports(now: i64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in PATTERNS {
        for ago in 1..=30u32 {
            let day = mtasts_core::daily::day_of(now - i64::from(ago) * 86_400);
            for (n, (org, from)) in p.senders.iter().enumerate() {
                if ago > *from {
                    continue;
                }
                let ip = format!("192.0.2.{}", 10 + n);
                let failures: Vec<Failure<'_>> = p
                    .failures
                    .iter()
                    .filter(|f| ago >= f.3)
                    .map(|f| Failure {
                        result_type: f.0,
                        receiving_mx: f.1,
                        sending_ip: Some(&ip),
                        // Senders see different shares of the traffic.
                        sessions: f.2 / (n as u64 + 1) + u64::from(ago % 3),
                    })
                    .collect();
                let id = format!("{day}.{}.{}", p.domain, org.replace(' ', "-"));
                let successful = 800 + u64::from(ago * 37 % 400) / (n as u64 + 1);
                out.push(report(org, &id, &day, p.domain, successful, &failures));
            }
        }
    }
    out
}

/// Fills an empty store with [`reports`]; leaves one that has reports alone.
pub async fn fill(store: &Store, now: i64) -> Result<usize, String> {
    let days = mtasts_store::reports::Days::default();
    if !store
        .list_reports(None, &days, 1)
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Ok(0);
    }
    let mut n = 0;
    for bytes in reports(now) {
        let r = NewReport::read(bytes, "application/tlsrpt+json", 1 << 20)
            .map_err(|e| format!("a demo report cannot be read: {e}"))?;
        store
            .insert_report(&r, "demo", now)
            .await
            .map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}
