//! The TLS-RPT report parser on arbitrary bytes (plain JSON and gzip): never panics, and the
//! totals always equal the sum over policies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::report_json;

fuzz_target!(|data: &[u8]| {
    let l = report_json::lint(data);
    if let Some(s) = l.summary {
        let failed = s.policies.iter().fold(0u64, |a, p| a.saturating_add(p.failed));
        let ok = s.policies.iter().fold(0u64, |a, p| a.saturating_add(p.successful));
        assert_eq!((s.total_failed, s.total_successful), (failed, ok));
    }
});
