//! The policy parser on arbitrary bytes: never panics; a valid policy's canonical text is
//! valid and parses to the same policy.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::policy;

fuzz_target!(|data: &[u8]| {
    let first = policy::lint(data);
    if first.valid {
        let shown = first.policy.to_text();
        let second = policy::lint(shown.as_bytes());
        assert!(second.valid, "canonical form invalid: {shown:?} {:?}", second.findings);
        assert_eq!(second.policy, first.policy);
    }
});
