//! RFC 8461 §4.1 matching against a plain restatement of the rule: `*` matches exactly one
//! whole left-most label, names compare without case and without their one trailing dot (the
//! root label; a run of dots is empty labels, not a longer root). Never panics, never
//! disagrees.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mtasts_core::mx;

fn reference(host: &str, pattern: &str) -> bool {
    let norm = |s: &str| s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
    let (host, pattern) = (norm(host), norm(pattern));
    match pattern.strip_prefix("*.") {
        Some(base) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && first != "*" && rest == base),
        None => host == pattern,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((host, pattern)) = text.split_once('\n') else {
        return;
    };
    if let Ok(p) = mx::parse_pattern(pattern) {
        assert_eq!(
            p.matches(host),
            reference(host, pattern),
            "{host:?} against {pattern:?}"
        );
    }
});
