//! What `POST /tlsrpt`, `mtasts reports import` and the offline tool do with a report's bytes:
//! read it with its per-policy breakdown and add it up per day. Never panics; the day rows'
//! sessions are the policies' sessions, and a policy's breakdown by result type, receiving MX
//! and sending IP each add up to the same number of failed sessions.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::{daily, report_json};

fuzz_target!(|data: &[u8]| {
    let l = report_json::lint_rows(data, 1 << 20);
    let Some(s) = l.summary else { return };
    for p in &s.policies {
        let b = p.breakdown.as_ref().expect("lint_rows breaks every policy down");
        let sum = |m: &std::collections::BTreeMap<String, u64>| m.values().fold(0u128, |a, n| a + u128::from(*n));
        let by_type = sum(&b.by_result_type);
        // Below 2^63 in all, no tally saturated, so the three add up alike.
        if by_type < 1 << 63 {
            assert_eq!(by_type, sum(&b.by_receiving_mx));
            assert_eq!(by_type, sum(&b.by_sending_ip));
        }
    }
    let rows = daily::daily(std::iter::once(&s));
    if daily::report_day(&s).is_some() {
        let small = s.policies.iter().all(|p| p.successful < 1 << 40 && p.failed < 1 << 40);
        if small {
            let got: u64 = rows.iter().map(|r| r.sessions.successful + r.sessions.failed).sum();
            let want: u64 = s.policies.iter().map(|p| p.successful + p.failed).sum();
            assert_eq!(got, want);
        }
    } else {
        assert!(rows.is_empty());
    }
});
