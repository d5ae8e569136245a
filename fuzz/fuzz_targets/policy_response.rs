//! A policy fetch as a hostile policy host answers it (any media type, content coding and
//! body) through the whole check, strict and lenient readings both: never panics, and the
//! lenient reading never applies a policy without an mx unless its mode is none.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::inputs::{DnsAnswer, DnsResult, Inputs, Lookup, PolicyFetch};

fuzz_target!(|data: &[u8]| {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let ct = ["text/plain", "text/plain; charset=utf-8", "TEXT/PLAIN;charset=latin1", "text/html", ""]
        [usize::from(head & 7) % 5];
    let coding = [None, Some("gzip"), Some("deflate"), Some("br"), Some("identity")]
        [usize::from(head >> 3) % 5];
    let mut fetch = PolicyFetch::ok(ct, body.to_vec());
    fetch.content_encoding = coding.map(String::from);
    let mut inputs = Inputs::new("example.com");
    inputs.sts_txt = Lookup::Done(DnsAnswer::new(DnsResult::Records(vec![vec![
        "v=STSv1; id=1".to_string(),
    ]])));
    inputs.policy = Lookup::Done(fetch);
    let report = mtasts_core::check(&inputs);
    if let Some(p) = &report.lenient {
        assert!(p.mode == "none" || !p.mx.is_empty(), "{p:?}");
    }
});
