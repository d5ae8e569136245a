//! Domain input normalisation: never panics; an accepted name is a valid LDH name that
//! normalises to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::{domain, hostname};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(d) = domain::normalize(&text, domain::default_idna()) {
        assert!(hostname::check_ldh(&d.ascii).is_ok(), "{d:?}");
        let again = domain::normalize(&d.ascii, domain::default_idna()).expect("normalised name must be accepted again");
        assert_eq!(again.ascii, d.ascii);
    }
});
