//! Finding reports in what mail delivers (`mtasts_core::mail`: a file, a MIME message, an mbox
//! file) on arbitrary bytes: never panics, always says something about the input, and never
//! hands on an empty report.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::mail::{self, Found};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    mail::file("fuzz", data.to_vec(), &mut out);
    assert!(!out.is_empty() || data.starts_with(b"From "));
    for f in &out {
        if let Found::Report { bytes, .. } = f {
            assert!(!bytes.is_empty());
        }
    }
});
