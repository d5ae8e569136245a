//! The demo store's TLS-RPT reports: 30 days of them for some demo domains, as two senders
//! would send them, clean where the demo domain is healthy and failing where its MX hosts fail
//! (so the console and the evidence for enforcing have something true to show). DEMO DATA.

use mtasts_store::reports::NewReport;
use mtasts_store::Store;
use mtasts_testkit::tlsrpt::{report, slug, Failure};

/// Per domain: which senders report, from which day (days ago) on, and its failures as
/// (result type, receiving MX, sessions a day, the last and the first day it happened: days
/// ago). A failure that lasts until today is on a host the demo world breaks (test below).
struct Pattern {
    domain: &'static str,
    /// (organisation, first day: days ago)
    senders: &'static [(&'static str, u32)],
    failures: &'static [(&'static str, &'static str, u64, u32, u32)],
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
        failures: &[("certificate-expired", "mx1.testing.test", 4, 12, 30)],
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
                30,
            ),
            ("validation-failure", "mx3.testing-not-ready.test", 5, 0, 30),
        ],
    },
    Pattern {
        domain: "mx-no-starttls.test",
        senders: &[("Google Inc.", 30), ("Yahoo", 20)],
        failures: &[(
            "starttls-not-supported",
            "mx2.mx-no-starttls.test",
            31,
            0,
            30,
        )],
    },
    Pattern {
        domain: "mx-expired.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 30)],
        // The demo world's certificate expired yesterday.
        failures: &[("certificate-expired", "mx2.mx-expired.test", 42, 0, 1)],
    },
    Pattern {
        domain: "mx-wrong-name.test",
        senders: &[("Google Inc.", 30)],
        failures: &[(
            "certificate-host-mismatch",
            "mx2.mx-wrong-name.test",
            12,
            0,
            30,
        )],
    },
    Pattern {
        domain: "policy-cert-expired.test",
        senders: &[("Google Inc.", 30), ("Microsoft Corporation", 30)],
        failures: &[(
            "sts-webpki-invalid",
            "mx1.policy-cert-expired.test",
            60,
            0,
            30,
        )],
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
                    .filter(|f| ago >= f.3 && ago <= f.4)
                    .map(|f| Failure {
                        result_type: f.0,
                        receiving_mx: f.1,
                        sending_ip: Some(&ip),
                        // Senders see different shares of the traffic.
                        sessions: f.2 / (n as u64 + 1) + u64::from(ago % 3),
                    })
                    .collect();
                let id = format!("{day}T00:00:00Z_{}@{}", p.domain, slug(org));
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

#[cfg(test)]
mod tests {
    use super::PATTERNS;

    /// The demo reports tell the truth about the demo world: a failure that lasts until today is
    /// on an MX host the world's scenario breaks (so the console and the live check name the
    /// same host), or, for a policy failure (`sts-*`), on a domain whose policy host is broken.
    #[test]
    fn ongoing_failures_are_on_the_hosts_the_demo_world_breaks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testkit/scenarios");
        for p in PATTERNS {
            let name = p.domain.trim_end_matches(".test");
            let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
            let scenario: serde_json::Value = serde_json::from_str(&text).unwrap();
            let failing: Vec<String> = scenario["expect"]["failing_mx"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|h| h.as_str())
                        .map(|h| h.replace("{domain}", p.domain))
                        .collect()
                })
                .unwrap_or_default();
            for f in p.failures.iter().filter(|f| f.3 == 0) {
                if f.0.starts_with("sts-") {
                    assert!(
                        scenario["expect"]["readiness"] != "ready",
                        "{}: a policy failure on a ready domain",
                        p.domain
                    );
                } else {
                    assert!(
                        failing.iter().any(|h| h == f.1),
                        "{}: reports blame {} but the world breaks {failing:?}",
                        p.domain,
                        f.1
                    );
                }
            }
        }
    }
}
