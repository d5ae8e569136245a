//! DNS answers as the native resolver reads them (what a hostile or broken DNS server sends),
//! into the records the core judges: never panics, and the records feed the check.
#![no_main]
use hickory_proto::rr::RecordType;
use libfuzzer_sys::fuzz_target;
use mtasts::resolve;
use mtasts_core::inputs::{Inputs, Lookup};

fuzz_target!(|data: &[u8]| {
    let Ok(txt) = resolve::decode(data, RecordType::TXT) else {
        return;
    };
    let mx = resolve::decode(data, RecordType::MX).map(resolve::mx_records);
    let _ = resolve::decode(data, RecordType::A).map(resolve::ip_records);
    let mut inputs = Inputs::new("example.com");
    inputs.sts_txt = Lookup::Done(resolve::txt_records(txt.clone()));
    inputs.tlsrpt_txt = Lookup::Done(resolve::txt_records(txt));
    if let Ok(mx) = mx {
        inputs.mx = Lookup::Done(mx);
    }
    let _ = mtasts_core::check(&inputs);
});
