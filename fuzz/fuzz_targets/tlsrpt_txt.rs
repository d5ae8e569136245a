//! The `_smtp._tls` record-set parser: records separated by NUL, strings by 0x01.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::{tlsrpt, TxtRecord};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records: Vec<TxtRecord> = text
        .split('\0')
        .map(|r| r.split('\u{1}').map(str::to_string).collect())
        .collect();
    let l = tlsrpt::lint(&records);
    assert_eq!(l.valid, l.record.is_some() && l.findings.iter().all(|f| f.severity() != mtasts_core::Severity::Error));
});
